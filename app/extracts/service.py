"""The inspection extract, row by row: memory stays flat however many children there are."""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Pupil, PupilWeek
from app.register.facts import PROVISION_TYPES, codes
from app.register.queries import REGISTER_ORDER, on_inspection_list, on_register_as_at
from app.register.rules import SchoolCalendar

# The contract's column order; CSV and JSON both follow it.
COLUMNS = (
    "child_id",
    "upn",
    "date_of_birth",
    "provision_types",
    "hours_per_week",
    "below_25",
    "exclusion_type",
    "provision_start_date",
    "weeks_below",
    "below_since",
)


def count_children(session: Session, *, week: date) -> int:
    """How many children the extract lists for the week."""
    return (
        session.scalar(
            select(func.count())
            .select_from(PupilWeek)
            .where(on_register_as_at(week), on_inspection_list())
        )
        or 0
    )


def extract_rows(
    session: Session, *, week: date, calendar: SchoolCalendar, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """One row per child on the inspection list, in the register's order; never a name. The
    provision types, exclusion and start date are the facts of the week the status rests on."""
    query = (
        select(
            Pupil.id,
            Pupil.upn,
            Pupil.date_of_birth,
            PupilWeek.total_hours,
            PupilWeek.below_threshold,
            PupilWeek.below_since,
            PupilWeek.provision_types,
            PupilWeek.exclusion_type,
            PupilWeek.provision_start_date,
        )
        .join(PupilWeek, PupilWeek.pupil_id == Pupil.id)
        .where(on_register_as_at(week), on_inspection_list())
        .order_by(*REGISTER_ORDER)
        .execution_options(yield_per=batch)
    )

    @cache
    def weeks_below(below_since: date) -> int:
        return calendar.term_weeks(below_since, week)

    for child_id, upn, born, hours, below, since, types, exclusion, started in session.execute(
        query
    ):
        yield {
            "child_id": child_id,
            "upn": upn,
            "date_of_birth": born,
            "provision_types": sorted(codes(types, PROVISION_TYPES)),
            "hours_per_week": hours,
            "below_25": below,
            "exclusion_type": exclusion,
            "provision_start_date": started,
            "weeks_below": weeks_below(since) if below and since else 0,
            "below_since": since,
        }


def streamed_rows(
    make_session: "sessionmaker[Session]", *, week: date, calendar: SchoolCalendar
) -> Iterator[dict[str, Any]]:
    """The extract's rows from a session of their own: the request's session is committed
    and closed before a streamed answer starts."""
    with make_session() as session:
        yield from extract_rows(session, week=week, calendar=calendar)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def json_chunks(header: dict[str, Any], rows: Iterator[dict[str, Any]]) -> Iterator[str]:
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


def csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The rows as CSV with a header row, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        row = row | {
            "provision_types": ";".join(row["provision_types"]),
            "below_25": "true" if row["below_25"] else "false",
        }
        writer.writerow(["" if row[c] is None else _plain(row[c]) for c in COLUMNS])
        yield from _flush(buffer)
    yield buffer.getvalue()


def _flush(buffer: io.StringIO, *, at: int = 64 * 1024) -> Iterator[str]:
    """Send the buffer on once it holds ``at`` characters; fewer, larger writes are faster."""
    if buffer.tell() >= at:
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
