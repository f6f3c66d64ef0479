"""The inspection extract: every child not in full-time education in a week, without names."""

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.auth.dependencies import ExtractPrincipal
from app.csv_answers import CSV, wants_csv
from app.database import SessionDep
from app.extracts.schemas import InspectionExtract
from app.extracts.service import (
    COLUMNS,
    csv_lines,
    json_chunks,
    streamed_rows,
)
from app.inputs import AsAt, today
from app.openapi import csv_content
from app.register.rules import monday_of, threshold_for
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
    as_csv = wants_csv(request)
    rows = streamed_rows(request, session, week=week, calendar=calendar)
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
        csv_lines(rows) if as_csv else json_chunks(header, rows),
        media_type=CSV if as_csv else "application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{"csv" if as_csv else "json"}"'
        },
    )
