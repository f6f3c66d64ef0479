"""Keeps each child's weekly judgements current at write time, and reads status from them."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from app.models import ClosureDay, ProvisionRecord, PupilWeek, RegisterVersion, Term
from app.register.rules import (
    SchoolCalendar,
    WeekJudgement,
    judge_weeks,
    weekly_totals,
    with_next_weeks,
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


def judgement_of(row: PupilWeek) -> WeekJudgement:
    """The pure-core view of a stored judgement."""
    return WeekJudgement(
        row.week_commencing,
        row.total_hours,
        row.threshold_hours,
        row.below_threshold,
        row.below_since,
    )


def latest_judgements(
    session: Session, *, pupil_ids: Sequence[int], on_or_before: date
) -> dict[int, WeekJudgement]:
    """Each child's latest judgement in or before a week (an index lookup per child)."""
    if not pupil_ids:
        return {}
    later = aliased(PupilWeek)
    rows = session.scalars(
        select(PupilWeek).where(
            PupilWeek.pupil_id.in_(pupil_ids),
            PupilWeek.week_commencing <= on_or_before,
            ~select(later.pupil_id)
            .where(
                later.pupil_id == PupilWeek.pupil_id,
                later.week_commencing > PupilWeek.week_commencing,
                later.week_commencing <= on_or_before,
            )
            .exists(),
        )
    )
    return {row.pupil_id: judgement_of(row) for row in rows}


def refresh_judgements(
    session: Session,
    *,
    changed_from: Mapping[int, date],
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> None:
    """Re-judge each child's weeks from the earliest changed week onwards, in this transaction."""
    if not changed_from:
        return
    pupil_ids = list(changed_from)
    earliest = min(changed_from.values())
    session.flush()
    previous = latest_judgements(
        session, pupil_ids=pupil_ids, on_or_before=earliest - timedelta(days=1)
    )
    # Each provider's hours, added up by the pure core (rule 1) in exact decimals.
    hours: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for pupil_id, week_commencing, provider_hours in session.execute(
        select(
            ProvisionRecord.pupil_id, ProvisionRecord.week_commencing, ProvisionRecord.hours
        ).where(
            ProvisionRecord.pupil_id.in_(pupil_ids),
            ProvisionRecord.week_commencing >= earliest,
        )
    ):
        hours[pupil_id].append((week_commencing, provider_hours))

    rows = []
    for pupil_id in pupil_ids:
        judgements = judge_weeks(
            weekly_totals(hours[pupil_id]),
            full_time_hours=full_time_hours,
            calendar=calendar,
            previous=previous.get(pupil_id),
        )
        rows += [
            {
                "pupil_id": pupil_id,
                "week_commencing": j.week_commencing,
                "total_hours": j.total_hours,
                "threshold_hours": j.threshold_hours,
                "below_threshold": j.below_threshold,
                "below_since": j.below_since,
                "next_week": next_week,
            }
            for j, next_week in with_next_weeks(judgements)
        ]
    session.execute(
        delete(PupilWeek).where(
            PupilWeek.pupil_id.in_(pupil_ids), PupilWeek.week_commencing >= earliest
        )
    )
    if rows:
        session.execute(insert(PupilWeek).execution_options(render_nulls=True), rows)
    _relink_previous(session, pupil_ids=pupil_ids, before=earliest)
    # Last, so concurrent writers hold this one-row lock only until they commit.
    session.execute(
        update(RegisterVersion)
        .where(RegisterVersion.id == 1)
        .values(version=RegisterVersion.version + 1)
    )


def register_version(session: Session) -> int:
    """Changes with every re-judgement; aggregates cached under an older version are stale."""
    return session.scalar(select(RegisterVersion.version).where(RegisterVersion.id == 1)) or 0


def _relink_previous(session: Session, *, pupil_ids: Sequence[int], before: date) -> None:
    """Point each child's last judgement before the change at their next judgement, if any."""
    following = aliased(PupilWeek)
    next_week = (
        select(func.min(following.week_commencing))
        .where(following.pupil_id == PupilWeek.pupil_id, following.week_commencing >= before)
        .scalar_subquery()
    )
    latest_before = aliased(PupilWeek)
    session.execute(
        update(PupilWeek)
        .where(
            PupilWeek.pupil_id.in_(pupil_ids),
            PupilWeek.week_commencing
            == select(func.max(latest_before.week_commencing))
            .where(
                and_(
                    latest_before.pupil_id == PupilWeek.pupil_id,
                    latest_before.week_commencing < before,
                )
            )
            .scalar_subquery(),
        )
        .values(next_week=next_week)
        .execution_options(synchronize_session=False)
    )
