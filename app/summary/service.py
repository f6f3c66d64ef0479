"""Dashboard aggregates, computed in SQL over each child's state as at a week."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    SQLColumnExpression,
    String,
    and_,
    case,
    cast,
    distinct,
    extract,
    func,
    select,
)
from sqlalchemy.orm import Session

from app.models import Provider, ProvisionRecord, Pupil, PupilWeek
from app.provision.schemas import Reason
from app.register.queries import in_status_week, on_register_as_at
from app.register.rules import SchoolCalendar

RETURNED_FULL_TIME = "returned_full_time"
DURATION_BANDS = (("1-2", 1, 2), ("3-6", 3, 6), ("7-12", 7, 12), ("13+", 13, None))


@dataclass(frozen=True)
class Outcomes:
    """Who left the register this academic year and why; how long those who returned to full
    time were on it (the reintegration measure LAs report)."""

    academic_year_starts: date
    by_exit_reason: dict[str, int]
    weeks_to_full_time: list[int]


@dataclass
class Figures:
    """Raw (unsuppressed) aggregates for one week."""

    week_commencing: date
    outcomes: Outcomes
    on_register: int = 0
    below: int = 0
    unreported: int = 0
    mean_hours_below: Decimal | None = None
    median_hours_below: Decimal | None = None
    mean_weeks_below: Decimal | None = None
    median_weeks_below: Decimal | None = None
    beyond_long_run: int = 0
    duration_bands: dict[str, int] = field(default_factory=dict)
    by_provision_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_reason: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_provider: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_year_group: dict[str, tuple[int, int]] = field(default_factory=dict)


def headline(session: Session, *, week: date, calendar: SchoolCalendar) -> tuple[int, int, int]:
    """Children on the register, below threshold, and with this week unreported."""
    last_term_week = calendar.term_week_ending(week, 1)
    unreported = (
        func.sum(case((PupilWeek.week_commencing < last_term_week, 1), else_=0))
        if last_term_week
        else func.sum(0)
    )
    on_register, below, missing = session.execute(
        select(
            func.count(),
            func.sum(case((PupilWeek.below_threshold, 1), else_=0)),
            unreported,
        ).where(on_register_as_at(week))
    ).one()
    return on_register, below or 0, missing or 0


def figures(
    session: Session, *, week: date, calendar: SchoolCalendar, long_run_weeks: int
) -> Figures:
    """Every aggregate the dashboard shows for the week."""
    result = Figures(week, outcomes(session, week=week, calendar=calendar))
    result.on_register, result.below, result.unreported = headline(
        session, week=week, calendar=calendar
    )
    if not result.on_register:
        return result
    below_now = and_(on_register_as_at(week), PupilWeek.below_threshold)
    result.mean_hours_below = session.scalar(
        select(func.avg(PupilWeek.total_hours)).where(below_now)
    )
    result.median_hours_below = _median(session, PupilWeek.total_hours, below_now, result.below)

    runs = run_lengths(session, week=week, calendar=calendar)
    if runs:
        lengths = sorted(runs.elements())
        result.mean_weeks_below = Decimal(sum(lengths)) / len(lengths)
        result.median_weeks_below = Decimal(str(median(lengths)))
    result.beyond_long_run = _longer_than(runs, long_run_weeks)
    result.duration_bands = {
        band: sum(
            n for weeks, n in runs.items() if low <= weeks and (high is None or weeks <= high)
        )
        for band, low, high in DURATION_BANDS
    }
    result.by_provision_type = {
        provision_type: counts
        for (provision_type,), counts in _breakdown(session, week, ProvisionRecord.provision_type)
    }
    result.by_provider = {
        f"{name} ({provider_id})": counts
        for (provider_id, name), counts in _breakdown(session, week, Provider.id, Provider.name)
    }
    result.by_reason = _reasons(session, week)
    result.by_year_group = _year_groups(session, week)
    return result


def outcomes(session: Session, *, week: date, calendar: SchoolCalendar) -> Outcomes:
    """Children who left the register from 1 September to the week, each once by their latest
    exit; term weeks on the register before each return to full time."""
    starts = date(week.year if week.month >= 9 else week.year - 1, 9, 1)
    latest: dict[int, tuple[date, str, date]] = {}
    for pupil_id, exit_week, reason, since in session.execute(
        select(
            PupilWeek.pupil_id,
            PupilWeek.week_commencing,
            PupilWeek.exit_reason,
            PupilWeek.on_register_since,
        )
        .where(
            PupilWeek.exit_reason.is_not(None),
            PupilWeek.left_register_on >= starts,
            PupilWeek.week_commencing <= week,
        )
        .order_by(PupilWeek.week_commencing)
    ):
        latest[pupil_id] = (exit_week, str(reason), since)
    return Outcomes(
        academic_year_starts=starts,
        by_exit_reason=dict(sorted(Counter(reason for _, reason, _ in latest.values()).items())),
        weeks_to_full_time=sorted(
            # The exit week is the first term week off the register.
            calendar.term_weeks(since, exit_week) - 1
            for exit_week, reason, since in latest.values()
            if reason == RETURNED_FULL_TIME
        ),
    )


def run_lengths(session: Session, *, week: date, calendar: SchoolCalendar) -> Counter[int]:
    """How many children are in a below-threshold run of each length (in term weeks)."""
    # Grouped by start week in SQL: a run's length as at the week depends only on its start.
    runs = Counter[int]()
    for below_since, children in session.execute(
        select(PupilWeek.below_since, func.count())
        .where(on_register_as_at(week), PupilWeek.below_threshold)
        .group_by(PupilWeek.below_since)
    ):
        runs[calendar.term_weeks(below_since or week, week)] += children
    return runs


def long_runs(session: Session, *, week: date, calendar: SchoolCalendar, longer_than: int) -> int:
    """Children below threshold for more than ``longer_than`` term weeks."""
    return _longer_than(run_lengths(session, week=week, calendar=calendar), longer_than)


def _longer_than(runs: Counter[int], weeks: int) -> int:
    return sum(children for length, children in runs.items() if length > weeks)


def _median(
    session: Session,
    column: SQLColumnExpression[Decimal | None],
    where: ColumnElement[bool],
    count: int,
) -> Decimal | None:
    """The median by ordered offset, which SQLite and PostgreSQL both run."""
    if count == 0:
        return None
    middle = session.scalars(
        select(column).where(where).order_by(column).offset((count - 1) // 2).limit(2 - count % 2)
    ).all()
    return Decimal(sum(Decimal(str(value)) for value in middle)) / len(middle)


def _breakdown(
    session: Session, week: date, *keys: SQLColumnExpression[Any]
) -> list[tuple[tuple[Any, ...], tuple[int, int]]]:
    """Distinct children (and those below) per key among their status-week records."""
    rows = session.execute(
        select(
            *keys,
            func.count(distinct(PupilWeek.pupil_id)),
            func.count(distinct(case((PupilWeek.below_threshold, PupilWeek.pupil_id)))),
        )
        .select_from(PupilWeek)
        .join(ProvisionRecord, in_status_week())
        .join(Provider, Provider.id == ProvisionRecord.provider_id)
        .where(on_register_as_at(week))
        .group_by(*keys)
        .order_by(*keys)
    )
    return [(tuple(row[: len(keys)]), (row[-2], row[-1])) for row in rows]


def _reasons(session: Session, week: date) -> dict[str, tuple[int, int]]:
    """Children per reason; a child with several reasons counts under each."""
    # Reasons are a JSON list; matching the quoted code in its text form works on both databases.
    text = cast(ProvisionRecord.reasons, String)
    columns = []
    for reason in Reason:
        has = text.like(f'%"{reason.value}"%')
        columns += [
            func.count(distinct(case((has, PupilWeek.pupil_id)))),
            func.count(distinct(case((and_(has, PupilWeek.below_threshold), PupilWeek.pupil_id)))),
        ]
    row = session.execute(
        select(*columns)
        .select_from(PupilWeek)
        .join(ProvisionRecord, in_status_week())
        .where(on_register_as_at(week))
    ).one()
    return {
        reason.value: (row[2 * i], row[2 * i + 1]) for i, reason in enumerate(Reason) if row[2 * i]
    }


def _year_groups(session: Session, week: date) -> dict[str, tuple[int, int]]:
    """Children per National Curriculum year group in the academic year of the week."""
    # Children born September to August share a cohort, named by the calendar year it ends in.
    cohort = cast(extract("year", Pupil.date_of_birth), Integer) + case(
        (extract("month", Pupil.date_of_birth) >= 9, 1), else_=0
    )
    academic_year = week.year if week.month >= 9 else week.year - 1
    counts: dict[str, tuple[int, int]] = {}
    for born, children, below in session.execute(
        select(cohort, func.count(), func.sum(case((PupilWeek.below_threshold, 1), else_=0)))
        .join(PupilWeek, PupilWeek.pupil_id == Pupil.id)
        .where(on_register_as_at(week))
        .group_by(cohort)
    ):
        label = year_group_label(academic_year - born - 4)
        previous = counts.get(label, (0, 0))
        counts[label] = (previous[0] + children, previous[1] + (below or 0))
    return dict(sorted(counts.items(), key=lambda item: YEAR_ORDER.index(item[0])))


YEAR_ORDER = ["Early years", "Reception", *(f"Year {n}" for n in range(1, 14)), "Post-18"]


def year_group_label(year: int) -> str:
    """National Curriculum year (0 = Reception) as a dashboard label."""
    if year < 0:
        return "Early years"
    if year == 0:
        return "Reception"
    return f"Year {year}" if year <= 13 else "Post-18"
