"""Dashboard aggregates for any week, summed from the register's tallies (counts kept as
changes by week at write time: app/register/tallies.py), so they cost the same however many
children there are."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Provider, WeekTally
from app.register.rules import SchoolCalendar
from app.register.tallies import (
    BELOW_SINCE,
    COHORT,
    HOURS_BELOW,
    LEFT,
    NOTHING,
    PROVIDER,
    PROVISION_TYPE,
    REASON,
    REGISTER,
    REPORTED,
    WEEKS_TO_FULL_TIME,
    Tally,
)

DURATION_BANDS = (("1-2", 1, 2), ("3-6", 3, 6), ("7-12", 7, 12), ("13+", 13, None))
Counts = dict[str, dict[str, Tally]]  # measure -> key -> count


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


def counts_as_at(session: Session, week: date, *measures: str) -> Counts:
    """The register's counts as at a week (of the measures named, or all)."""
    query = (
        select(
            WeekTally.measure,
            WeekTally.key,
            func.sum(WeekTally.children),
            func.sum(WeekTally.below),
            func.sum(WeekTally.below_hours),
        )
        .where(WeekTally.week_commencing <= week)
        .group_by(WeekTally.measure, WeekTally.key)
    )
    if measures:
        query = query.where(WeekTally.measure.in_(measures))
    counts: Counts = defaultdict(dict)
    for measure, key, children, below, hours in session.execute(query):
        count = Tally(int(children), int(below), Decimal(str(hours)))
        if count:
            counts[measure][key] = count
    return counts


def figures(
    session: Session, *, week: date, calendar: SchoolCalendar, long_run_weeks: int
) -> Figures:
    """Every aggregate the dashboard shows for the week."""
    counts = counts_as_at(session, week)
    result = Figures(week, outcomes(counts, week=week))
    on_register = counts[REGISTER].get("", NOTHING)
    result.on_register, result.below = on_register.children, on_register.below
    result.unreported = on_register.children - _reported(session, week, calendar)
    if not result.on_register:
        return result
    if on_register.below:
        result.mean_hours_below = on_register.below_hours / on_register.below
        result.median_hours_below = weighted_median(
            (Decimal(hours), count.children) for hours, count in counts[HOURS_BELOW].items()
        )
    runs = run_lengths(counts, week=week, calendar=calendar)
    # From each run length and its children, not a list of every child below threshold.
    children_below = sum(runs.values())
    if children_below:
        weeks = sum(length * children for length, children in runs.items())
        result.mean_weeks_below = Decimal(weeks) / children_below
        result.median_weeks_below = weighted_median(
            (Decimal(length), children) for length, children in runs.items()
        )
    result.beyond_long_run = _longer_than(runs, long_run_weeks)
    result.duration_bands = {
        band: sum(
            n for weeks, n in runs.items() if low <= weeks and (high is None or weeks <= high)
        )
        for band, low, high in DURATION_BANDS
    }
    result.by_provision_type = _pairs(counts[PROVISION_TYPE])
    result.by_reason = _pairs(counts[REASON])
    names = dict(session.execute(select(Provider.id, Provider.name)).all())
    result.by_provider = {
        f"{names[int(provider_id)]} ({provider_id})": count
        for provider_id, count in sorted(_pairs(counts[PROVIDER]).items(), key=lambda p: int(p[0]))
    }
    result.by_year_group = _year_groups(counts[COHORT], week)
    return result


def trend(
    session: Session, *, first: date, last: date, calendar: SchoolCalendar, long_run_weeks: int
) -> list[tuple[date, int, int, int]]:
    """For each week from ``first`` to ``last``: children on the register, below threshold and
    below for longer than the LA's limit."""
    changes = session.execute(
        select(WeekTally.week_commencing, WeekTally.measure, WeekTally.key, WeekTally.children,
               WeekTally.below)
        .where(WeekTally.week_commencing <= last, WeekTally.measure.in_((REGISTER, BELOW_SINCE)))
        .order_by(WeekTally.week_commencing)
    ).all()  # fmt: skip
    points = []
    register = [0, 0]
    runs: Counter[str] = Counter()
    index, week = 0, first
    while week <= last:
        while index < len(changes) and changes[index][0] <= week:
            _, measure, key, children, below = changes[index]
            if measure == REGISTER:
                register = [register[0] + children, register[1] + below]
            else:
                runs[key] += children
            index += 1
        lengths = Counter(
            {calendar.term_weeks(date.fromisoformat(since), week): n for since, n in runs.items()}
        )
        points.append((week, register[0], register[1], _longer_than(lengths, long_run_weeks)))
        week += timedelta(days=7)
    return points


def _reported(session: Session, week: date, calendar: SchoolCalendar) -> int:
    """Children whose state as at the week rests on a return for the last term week."""
    last_term_week = calendar.term_week_ending(week, 1)
    if last_term_week is None:
        return 0
    return counts_as_at(session, last_term_week, REPORTED)[REPORTED].get("", NOTHING).children


def _pairs(counts: dict[str, Tally]) -> dict[str, tuple[int, int]]:
    return {key: (count.children, count.below) for key, count in sorted(counts.items())}


def weighted_median(values: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """The median of values given with how many times each occurs."""
    ordered = sorted(values)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    # Positions (from 0) of the middle value, or of the middle two.
    wanted = sorted({(total - 1) // 2, total // 2})
    middle: list[Decimal] = []
    seen = 0
    for value, n in ordered:
        while wanted and wanted[0] < seen + n:
            middle.append(value)
            wanted.pop(0)
        seen += n
    return sum(middle, Decimal(0)) / len(middle)


def _year_groups(cohorts: dict[str, Tally], week: date) -> dict[str, tuple[int, int]]:
    """Children per National Curriculum year group in the academic year of the week."""
    academic_year = week.year if week.month >= 9 else week.year - 1
    counts: dict[str, tuple[int, int]] = {}
    for cohort, count in cohorts.items():
        label = year_group_label(academic_year - int(cohort) - 4)
        previous = counts.get(label, (0, 0))
        counts[label] = (previous[0] + count.children, previous[1] + count.below)
    return dict(sorted(counts.items(), key=lambda item: YEAR_ORDER.index(item[0])))


def outcomes(counts: Counts, *, week: date) -> Outcomes:
    """Children who left the register from 1 September to the week, each once by their latest
    exit; term weeks on the register before each return to full time (from the tallies)."""
    weeks_to_full_time = Counter(
        {int(weeks): count.children for weeks, count in counts[WEEKS_TO_FULL_TIME].items()}
    )
    return Outcomes(
        academic_year_starts=date(week.year if week.month >= 9 else week.year - 1, 9, 1),
        by_exit_reason={reason: count.children for reason, count in sorted(counts[LEFT].items())},
        weeks_to_full_time=sorted(weeks_to_full_time.elements()),
    )


def run_lengths(counts: Counts, *, week: date, calendar: SchoolCalendar) -> Counter[int]:
    """How many children are in a below-threshold run of each length (in term weeks)."""
    runs = Counter[int]()
    for since, count in counts[BELOW_SINCE].items():
        runs[calendar.term_weeks(date.fromisoformat(since), week)] += count.children
    return runs


def _longer_than(runs: Counter[int], weeks: int) -> int:
    return sum(children for length, children in runs.items() if length > weeks)


YEAR_ORDER = ["Early years", "Reception", *(f"Year {n}" for n in range(1, 14)), "Post-18"]


def year_group_label(year: int) -> str:
    """National Curriculum year (0 = Reception) as a dashboard label."""
    if year < 0:
        return "Early years"
    if year == 0:
        return "Reception"
    return f"Year {year}" if year <= 13 else "Post-18"
