"""The inspection extract: every child not in full-time education in a week, without names."""

import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import children_read
from app.auth.dependencies import ExtractPrincipal
from app.csv_answers import CSV, CsvWriter, wants_csv
from app.database import SessionDep
from app.extracts.schemas import InspectionExtract
from app.extracts.service import COLUMNS, extract_pupil_ids, extract_rows
from app.inputs import AsAt, today
from app.openapi import csv_content
from app.register.rules import SchoolCalendar, monday_of, threshold_for
from app.register.service import load_calendar

router = APIRouter(prefix="/extracts", tags=["extracts"])


@router.get(
    "/inspection",
    operation_id="get_inspection_extract",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The extract, streamed: JSON by default, CSV on request.",
            "model": InspectionExtract,
            "content": csv_content(
                ",".join(COLUMNS) + "\n1042,B801200005001,2013-05-01,alternative_provision;"
                "college,12.5,true,permanent,2026-06-08,3,2026-08-24,25.0,9.0,"
                "permanent_exclusion;part_time_timetable,2026-09-07,2026-10-23,reported\n"
            ),
        }
    },
)
def inspection_extract(
    request: Request, session: SessionDep, _reader: ExtractPrincipal, as_at: AsAt = None
) -> StreamingResponse:
    """Every child on the register in the week containing `as_at` who is below threshold or
    in alternative provision: child_id, UPN, date of birth, provision types, hours per week,
    below 25, exclusion type, provision start date (and its source), weeks below and since
    when, the threshold applied, hours received, reasons, the last reported week (the figures
    are carried from it) and the earliest part-time timetable end date. No names.
    JSON by default; `Accept: text/csv` for CSV with a header row."""
    settings = request.app.state.settings
    week = monday_of(as_at or today())
    calendar = load_calendar(session)
    children_read(request, extract_pupil_ids(session, week=week))
    as_csv = wants_csv(request)
    rows = _stream(request.app.state.sessionmaker, week=week, calendar=calendar)
    header = {
        "la_code": settings.la_code,
        "la_name": settings.la_name,
        "week_commencing": week.isoformat(),
        "threshold_hours": float(
            threshold_for(week, full_time_hours=settings.full_time_hours, calendar=calendar)
        ),
    }
    stem = f"inspection-extract-{settings.la_code}-{week.isoformat()}"
    return StreamingResponse(
        _csv_lines(rows) if as_csv else _json_chunks(header, rows),
        media_type=CSV if as_csv else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{"csv" if as_csv else "json"}"'
        },
    )


def _stream(
    make_session: "sessionmaker[Session]", *, week: date, calendar: SchoolCalendar
) -> Iterator[dict[str, Any]]:
    # The request's session is committed and closed before streaming starts; rows get their own.
    with make_session() as session:
        yield from extract_rows(session, week=week, calendar=calendar)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _json_chunks(header: dict[str, Any], rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The header, the rows, and last the count of rows actually sent."""
    buffer = io.StringIO()
    buffer.write(json.dumps(header)[:-1] + ', "items": [')
    count = 0
    for count, row in enumerate(rows, start=1):
        buffer.write(
            ("," if count > 1 else "") + json.dumps({k: _plain(v) for k, v in row.items()})
        )
        yield from _flush(buffer)
    buffer.write(f'], "children": {count}}}')
    yield buffer.getvalue()


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        row = row | {
            "provision_types": ";".join(row["provision_types"]),
            "reasons": ";".join(row["reasons"]),
            "below_25": "true" if row["below_25"] else "false",
        }
        writer.writerow([None if row[c] is None else _plain(row[c]) for c in COLUMNS])
        yield from _flush(buffer)
    yield buffer.getvalue()


def _flush(buffer: io.StringIO, *, at: int = 64 * 1024) -> Iterator[str]:
    """Send the buffer on once it holds ``at`` characters; fewer, larger writes are faster."""
    if buffer.tell() >= at:
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
