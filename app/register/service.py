"""Keeps each child's arrangements and register weeks current at write time, and reads them."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from app.models import ClosureDay, ProvisionRecord, Pupil, PupilWeek, RegisterVersion, Term
from app.models import Provision as ProvisionRow
from app.models import ProvisionEnd as ProvisionEndRow
from app.register.rules import (
    Provision,
    ProvisionEnd,
    RegisterExit,
    RegisterWeek,
    SchoolCalendar,
    WeekJudgement,
    compulsory_school_age,
    judge_register,
    provision_arrangements,
    threshold_for,
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


def register_week_of(row: PupilWeek) -> RegisterWeek:
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
    )


def latest_register_weeks(
    session: Session, *, pupil_ids: Collection[int], on_or_before: date
) -> dict[int, RegisterWeek]:
    """Each child's latest register week in or before a week (an index lookup per child)."""
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
    return {row.pupil_id: register_week_of(row) for row in rows}


@dataclass
class Changes:
    """What a write changed, so that derived state is refreshed from there and no further back:
    each child's earliest changed week, and the (child, provider) arrangements to redraw."""

    weeks: dict[int, date] = field(default_factory=dict)
    arrangements: set[tuple[int, int]] = field(default_factory=set)

    def touch(
        self, pupil_id: int, week_commencing: date, *, provider_id: int | None = None
    ) -> None:
        """A change to the child from this week; with a provider, to its arrangements too."""
        self.weeks[pupil_id] = min(week_commencing, self.weeks.get(pupil_id, week_commencing))
        if provider_id is not None:
            self.arrangements.add((pupil_id, provider_id))


def refresh(
    session: Session, changes: Changes, *, full_time_hours: Decimal, calendar: SchoolCalendar
) -> None:
    """Bring the derived state up to date after a write: arrangements, then register weeks."""
    session.flush()
    refresh_arrangements(session, changes.arrangements)
    refresh_register_weeks(
        session, changed_from=changes.weeks, full_time_hours=full_time_hours, calendar=calendar
    )


def refresh_arrangements(session: Session, pairs: Collection[tuple[int, int]]) -> None:
    """Redraw each (child, provider) arrangement from its record weeks and ends (rule 6)."""
    if not pairs:
        return
    pair = tuple_(ProvisionRecord.pupil_id, ProvisionRecord.provider_id)
    weeks: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for pupil_id, provider_id, week_commencing in session.execute(
        select(
            ProvisionRecord.pupil_id, ProvisionRecord.provider_id, ProvisionRecord.week_commencing
        ).where(pair.in_(pairs))
    ):
        weeks[pupil_id].append((provider_id, week_commencing))
    ends = _ends(session, tuple_(ProvisionEndRow.pupil_id, ProvisionEndRow.provider_id).in_(pairs))
    session.execute(
        delete(ProvisionRow).where(
            tuple_(ProvisionRow.pupil_id, ProvisionRow.provider_id).in_(pairs)
        )
    )
    rows = [
        {"pupil_id": pupil_id} | asdict(arrangement)
        for pupil_id in {pupil_id for pupil_id, _ in pairs}
        for arrangement in provision_arrangements(weeks[pupil_id], ends[pupil_id])
    ]
    if rows:
        session.execute(insert(ProvisionRow).execution_options(render_nulls=True), rows)


def _ends(session: Session, where: ColumnElement[bool]) -> dict[int, list[ProvisionEnd]]:
    """The stated ends matching a condition, by child, in the order they were first stated."""
    ends: dict[int, list[ProvisionEnd]] = defaultdict(list)
    for row in session.scalars(select(ProvisionEndRow).where(where).order_by(ProvisionEndRow.id)):
        ends[row.pupil_id].append(ProvisionEnd(row.provider_id, row.end_date, row.end_reason))
    return ends


def arrangements_of(session: Session, pupil_ids: Collection[int]) -> dict[int, list[Provision]]:
    """Each child's provision arrangements, as stored."""
    arrangements: dict[int, list[Provision]] = defaultdict(list)
    for row in session.scalars(
        select(ProvisionRow)
        .where(ProvisionRow.pupil_id.in_(pupil_ids))
        .order_by(ProvisionRow.provider_id, ProvisionRow.start_week)
    ):
        arrangements[row.pupil_id].append(
            Provision(row.provider_id, row.start_week, row.last_week, row.end_date, row.end_reason)
        )
    return arrangements


def refresh_register_weeks(
    session: Session,
    *,
    changed_from: Mapping[int, date],
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> None:
    """Re-judge each child's register weeks from their earliest changed week on."""
    by_week: dict[date, list[int]] = defaultdict(list)
    for pupil_id, week_commencing in changed_from.items():
        by_week[week_commencing].append(pupil_id)
    # Children changed from the same week (most of a weekly push) are re-judged together.
    for week_commencing, pupil_ids in sorted(by_week.items()):
        _rejudge_from(
            session,
            pupil_ids,
            week_commencing,
            full_time_hours=full_time_hours,
            calendar=calendar,
        )


def _rejudge_from(
    session: Session,
    pupil_ids: Sequence[int],
    first: date,
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> None:
    previous = latest_register_weeks(
        session, pupil_ids=pupil_ids, on_or_before=first - timedelta(days=1)
    )
    # Each provider's hours, added up by the pure core (rule 1) in exact decimals.
    hours: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for pupil_id, week_commencing, provider_hours in session.execute(
        select(
            ProvisionRecord.pupil_id, ProvisionRecord.week_commencing, ProvisionRecord.hours
        ).where(
            ProvisionRecord.pupil_id.in_(pupil_ids),
            ProvisionRecord.week_commencing >= first,
        )
    ):
        hours[pupil_id].append((week_commencing, provider_hours))
    arrangements = arrangements_of(session, pupil_ids)
    born = dict(
        session.execute(select(Pupil.id, Pupil.date_of_birth).where(Pupil.id.in_(pupil_ids))).all()
    )
    rows = []
    for pupil_id in pupil_ids:
        judged = judge_register(
            weekly_totals(hours[pupil_id]),
            arrangements[pupil_id],
            school_age=compulsory_school_age(born[pupil_id]),
            full_time_hours=full_time_hours,
            calendar=calendar,
            previous=previous.get(pupil_id),
            from_week=first,
        )
        rows += [
            stored_row(
                pupil_id, week, next_week, full_time_hours=full_time_hours, calendar=calendar
            )
            for week, next_week in with_next_weeks(judged)
        ]
    session.execute(
        delete(PupilWeek).where(
            PupilWeek.pupil_id.in_(pupil_ids), PupilWeek.week_commencing >= first
        )
    )
    if rows:
        session.execute(insert(PupilWeek).execution_options(render_nulls=True), rows)
    _relink_previous(session, pupil_ids=pupil_ids, before=first)


def stored_row(
    pupil_id: int,
    week: RegisterWeek,
    next_week: date | None,
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> dict[str, Any]:
    """A register week as a ``pupil_weeks`` row."""
    row: dict[str, Any] = {
        "pupil_id": pupil_id,
        "week_commencing": week.week_commencing,
        "next_week": next_week,
        "on_register_since": week.on_register_since,
    }
    if isinstance(week, RegisterExit):
        return row | {
            "total_hours": None,
            "threshold_hours": threshold_for(
                week.week_commencing, full_time_hours=full_time_hours, calendar=calendar
            ),
            "below_threshold": False,
            "below_since": None,
            "exit_reason": week.exit_reason,
            "left_register_on": week.left_register_on,
        }
    return row | {
        "total_hours": week.total_hours,
        "threshold_hours": week.threshold_hours,
        "below_threshold": week.below_threshold,
        "below_since": week.below_since,
        "exit_reason": None,
        "left_register_on": None,
    }


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
