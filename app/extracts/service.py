"""The inspection extract, row by row: memory stays flat however many children there are."""

import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.service import children_sent
from app.csv_answers import CsvWriter
from app.models import CurrentState, ProvisionRecord, Pupil, PupilWeek
from app.register.current import answers_for
from app.register.facts import PROVISION_TYPES, REASONS, codes
from app.register.queries import (
    REGISTER_ORDER,
    in_status_week,
    on_inspection_list,
    on_register_as_at,
)
from app.register.rules import SchoolCalendar

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])

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
    "threshold_hours",
    "hours_received",
    "reasons",
    "last_reported_week",
    "timetable_end_date",
    "provision_start_date_source",
)


def extract_listing(session: Session, *, week: date) -> Select[int]:
    """The ids of the children the extract lists for the week, from their current states alone
    when those answer: the audit trail names them from it in the database."""
    if answers_for(session, week):
        return select(CurrentState.pupil_id).where(*_listed_now(week))
    return select(PupilWeek.pupil_id).where(on_register_as_at(week), on_inspection_list())


def extract_count(session: Session, *, week: date) -> int:
    """How many children the extract lists for the week."""
    listing = extract_listing(session, week=week).subquery()
    return session.scalar(select(func.count()).select_from(listing)) or 0


def _listed(session: Session, query: Query, week: date, *, weekly: bool = False) -> Query:
    """The query narrowed to the judgement of each child on the inspection list as at the
    week, in the register's order: read by their current states for this week or a later one
    (in the order of their index, so the first row comes at once), else (or ``weekly``) by
    register weeks."""
    if not weekly and answers_for(session, week):
        return (
            query.join(CurrentState, in_status_week(CurrentState, PupilWeek))
            .where(*_listed_now(week))
            .order_by(CurrentState.below_since.asc().nulls_last(), CurrentState.pupil_id)
        )
    return query.where(on_register_as_at(week), on_inspection_list()).order_by(*REGISTER_ORDER)


def _listed_now(week: date) -> tuple[ColumnElement[bool], ...]:
    """A current state on the inspection list as at the week (for it or a later one)."""
    return (
        or_(CurrentState.left_week.is_(None), CurrentState.left_week > week),
        on_inspection_list(CurrentState),
    )


def extract_rows(
    session: Session,
    *,
    week: date,
    calendar: SchoolCalendar,
    batch: int = 2000,
    weekly: bool = False,
) -> Iterator[dict[str, Any]]:
    """One row per child on the inspection list, in the register's order; never a name. The
    provision types, reasons, exclusion and start date are the facts of the week the status
    rests on, its last reported week; with no start date reported, the first week of the
    child's current time on the register stands in."""
    timetable_ends = (
        select(func.min(ProvisionRecord.timetable_end_date))
        .where(in_status_week())
        .correlate(PupilWeek)
        .scalar_subquery()
    )
    query = _listed(
        session,
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
            PupilWeek.on_register_since,
            PupilWeek.threshold_hours,
            PupilWeek.hours_received,
            PupilWeek.reasons,
            PupilWeek.week_commencing,
            timetable_ends,
        ).join(PupilWeek, PupilWeek.pupil_id == Pupil.id),
        week,
        weekly=weekly,
    ).execution_options(yield_per=batch)

    @cache
    def weeks_below(below_since: date) -> int:
        return calendar.term_weeks(below_since, week)

    for row in session.execute(query):
        yield {
            "child_id": row.id,
            "upn": row.upn,
            "date_of_birth": row.date_of_birth,
            "provision_types": sorted(codes(row.provision_types, PROVISION_TYPES)),
            "hours_per_week": row.total_hours,
            "below_25": row.below_threshold,
            "exclusion_type": row.exclusion_type,
            "provision_start_date": row.provision_start_date or row.on_register_since,
            "weeks_below": weeks_below(row.below_since)
            if row.below_threshold and row.below_since
            else 0,
            "below_since": row.below_since,
            "threshold_hours": row.threshold_hours,
            "hours_received": row.total_hours if row.hours_received is None else row.hours_received,
            "reasons": codes(row.reasons, REASONS),
            "last_reported_week": row.week_commencing,
            "timetable_end_date": row[-1],
            "provision_start_date_source": "reported"
            if row.provision_start_date
            else "first_record",
        }


def streamed_rows(
    request: Request, session: Session, *, week: date, calendar: SchoolCalendar
) -> Iterator[dict[str, Any]]:
    """The extract's rows for a streamed answer, each child named in the request's audit trail
    as it is sent. They are read by a session of their own: the request's session is committed
    and closed before a streamed answer starts."""
    return children_sent(
        request,
        session,
        extract_listing(session, week=week),
        _rows_apart(request.app.state.sessionmaker, week=week, calendar=calendar),
        itemgetter("child_id"),
    )


def _rows_apart(
    make_session: "sessionmaker[Session]", *, week: date, calendar: SchoolCalendar
) -> Iterator[dict[str, Any]]:
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
