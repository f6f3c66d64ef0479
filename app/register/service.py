"""Reading the derived state: the calendar, each child's register weeks and arrangements, and
the register's version. (app/register/derived.py keeps them current.)"""

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Row, and_, func, select, update
from sqlalchemy.orm import Session

from app.bulk import children, rows
from app.models import ClosureDay, PupilWeek, RegisterVersion, Term
from app.models import Provision as ProvisionRow
from app.register.rules import (
    Provision,
    RegisterExit,
    RegisterWeek,
    SchoolCalendar,
    WeekJudgement,
)
from app.register.rules import Term as TermDates

# PostgreSQL advisory lock: ingest holds it shared, a calendar change exclusively, so no
# judgement is made against a calendar that is being replaced. (SQLite serialises writers.)
CALENDAR_LOCK = 2026_0001


def lock_calendar(session: Session, *, exclusive: bool) -> None:
    """Hold the calendar steady (or, exclusively, for changing it) until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(lock(CALENDAR_LOCK)))


def load_calendar(session: Session) -> SchoolCalendar:
    """The LA's calendar as the pure core sees it."""
    terms = session.execute(select(Term.start_date, Term.end_date).order_by(Term.start_date))
    closures = session.scalars(select(ClosureDay.day))
    return SchoolCalendar(
        terms=tuple(TermDates(start, end) for start, end in terms),
        closures=frozenset(closures),
    )


# A pupil_weeks row as read: an ORM object, or a row of its columns.
StoredWeek = PupilWeek | Row[Any]


# The columns ``register_week_of`` reads, for reads that need no more of a row.
JUDGEMENT_COLUMNS = (
    PupilWeek.pupil_id,
    PupilWeek.week_commencing,
    PupilWeek.exit_reason,
    PupilWeek.left_register_on,
    PupilWeek.on_register_since,
    PupilWeek.total_hours,
    PupilWeek.threshold_hours,
    PupilWeek.below_threshold,
    PupilWeek.below_since,
    PupilWeek.short_hours,
    PupilWeek.hours_received,
    PupilWeek.missed_days,
    PupilWeek.missed_days_health,
    PupilWeek.health,
    PupilWeek.suspensions,
)


def register_week_of(row: StoredWeek) -> RegisterWeek:
    """The pure-core view of a stored register week."""
    if row.exit_reason is not None:
        assert row.left_register_on is not None
        return RegisterExit(
            row.week_commencing, row.left_register_on, row.exit_reason, row.on_register_since
        )
    assert row.total_hours is not None
    return WeekJudgement(
        row.week_commencing,
        row.total_hours,
        row.threshold_hours,
        row.below_threshold,
        row.below_since,
        row.on_register_since,
        row.short_hours,
        row.hours_received,
        row.missed_days,
        row.missed_days_health,
        row.health,
        tuple((provider_id, date.fromisoformat(start)) for provider_id, start in row.suspensions),
    )


def latest_register_weeks(
    session: Session, *, pupil_ids: Collection[int], on_or_before: date
) -> dict[int, RegisterWeek]:
    """Each child's latest register week in or before a week (the key index gives each week)."""
    if not pupil_ids:
        return {}
    # Two index reads: each child's latest week, then those rows. (Joined in one statement,
    # the planner may hash the whole table for a handful of children.)
    latest = session.execute(
        select(PupilWeek.pupil_id, func.max(PupilWeek.week_commencing))
        .where(PupilWeek.pupil_id.in_(pupil_ids), PupilWeek.week_commencing <= on_or_before)
        .group_by(PupilWeek.pupil_id)
    ).all()
    if not latest:
        return {}
    # Those rows by key, from a row set (SQLite scans the table for a list of row values).
    keys = rows(
        session,
        "latest",
        (("pupil_id", Integer()), ("week_commencing", Date())),
        [tuple(r) for r in latest],
    )
    found = session.scalars(
        select(PupilWeek).join(
            keys,
            and_(
                PupilWeek.pupil_id == keys.c.pupil_id,
                PupilWeek.week_commencing == keys.c.week_commencing,
            ),
        )
    )
    return {row.pupil_id: register_week_of(row) for row in found}


def arrangements_of(session: Session, pupil_ids: Collection[int]) -> dict[int, list[Provision]]:
    """Each child's provision arrangements, as stored."""
    arrangements: dict[int, list[Provision]] = defaultdict(list)
    these = children(session, "arranged", pupil_ids)
    for pupil_id, provider_id, start, last, end_date, end_reason in session.execute(
        select(
            ProvisionRow.pupil_id,
            ProvisionRow.provider_id,
            ProvisionRow.start_week,
            ProvisionRow.last_week,
            ProvisionRow.end_date,
            ProvisionRow.end_reason,
        )
        .join(these, these.c.pupil_id == ProvisionRow.pupil_id)
        .order_by(ProvisionRow.provider_id, ProvisionRow.start_week)
    ):
        arrangements[pupil_id].append(Provision(provider_id, start, last, end_date, end_reason))
    return arrangements


def bump_register_version(session: Session) -> int:
    """Count a change to the register. Call it last in a write: the row stays locked until the
    write commits, so concurrent writers take their numbers in commit order."""
    return session.execute(
        update(RegisterVersion)
        .where(RegisterVersion.id == 1)
        .values(version=RegisterVersion.version + 1)
        .returning(RegisterVersion.version)
    ).scalar_one()


def register_version(session: Session) -> int:
    """Changes with every re-judgement; aggregates cached under an older version are stale."""
    return session.scalar(select(RegisterVersion.version).where(RegisterVersion.id == 1)) or 0
