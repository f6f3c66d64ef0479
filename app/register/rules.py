"""The register's rules as pure functions: weeks, thresholds and below-threshold runs.

No I/O here. The database layer feeds in each reported term week's total and stores the
judged ``WeekJudgement`` rows; reads turn the latest judgement into a ``Status`` as at a week.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

WEEK = timedelta(days=7)
SCHOOL_DAYS_IN_FULL_WEEK = 5


def monday_of(day: date) -> date:
    """The week_commencing (Monday) of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Term:
    start: date
    end: date


@dataclass(frozen=True)
class SchoolCalendar:
    """The LA's terms and closure days.

    With no terms every week is a 5-day term week. Outside the span of the terms entered
    (before the first, after the last) weeks are 5-day term weeks too, so a child is never
    dropped because next year's dates are not in yet; holidays are the gaps between terms.
    """

    terms: tuple[Term, ...] = ()
    closures: frozenset[date] = field(default_factory=frozenset)
    # Memos: extracts, summaries and alerts ask about the same weeks and runs many times.
    _days: dict[date, int] = field(default_factory=dict, init=False, compare=False, repr=False)
    _spans: dict[tuple[date, date], int] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple(sorted(self.terms, key=lambda term: term.start)))

    def school_days(self, week_commencing: date) -> int:
        """Weekdays of the week that are in term and not closure days (0 = holiday week)."""
        week = monday_of(week_commencing)
        days = self._days.get(week)
        if days is None:
            weekdays = (week + timedelta(days=offset) for offset in range(5))
            days = self._days[week] = sum(1 for day in weekdays if self.is_school_day(day))
        return days

    def is_school_day(self, day: date) -> bool:
        """A weekday in term that is not a closure day."""
        if day.weekday() >= SCHOOL_DAYS_IN_FULL_WEEK or day in self.closures:
            return False
        if not self.terms or not self.terms[0].start <= day <= self.terms[-1].end:
            return True
        return any(term.start <= day <= term.end for term in self.terms)

    def term_containing(self, day: date) -> Term | None:
        """The term a day falls in, or the last one before it (None with no terms)."""
        started = [term for term in self.terms if term.start <= day]
        return max(started, key=lambda term: term.start, default=None)

    def nth_school_day(self, first_day: date, n: int) -> date | None:
        """The ``n``-th school day counting from ``first_day``; None if not within a year."""
        day = first_day
        for _ in range(366):
            if self.is_school_day(day):
                n -= 1
                if n == 0:
                    return day
            day += timedelta(days=1)
        return None

    def is_term_week(self, week_commencing: date) -> bool:
        """A week with at least one school day; holiday weeks neither count nor break a run."""
        return self.school_days(week_commencing) > 0

    def term_weeks(self, first: date, last: date) -> int:
        """How many term weeks from the week of ``first`` to the week of ``last``, inclusive."""
        week, end = monday_of(first), monday_of(last)
        if not self.terms and not self.closures:
            return max(0, (end - week) // WEEK + 1)
        count = self._spans.get((week, end))
        if count is None:
            count = self._spans[week, end] = sum(
                self.is_term_week(week + n * WEEK) for n in range((end - week) // WEEK + 1)
            )
        return count

    def term_week_ending(self, last: date, count: int) -> date | None:
        """The Monday of the ``count``-th term week counting back from the week of ``last``."""
        week = monday_of(last)
        if not self.terms and not self.closures:
            return week - (count - 1) * WEEK
        floor = monday_of(self.terms[0].start) if self.terms else week - 520 * WEEK
        while week >= floor:
            if self.is_term_week(week):
                count -= 1
                if count == 0:
                    return week
            week -= WEEK
        # Before the first term entered, every week is a term week.
        return week - (count - 1) * WEEK if self.terms else None


def threshold_for(
    week_commencing: date, *, full_time_hours: Decimal, calendar: SchoolCalendar
) -> Decimal:
    """Full time pro rata to the week's school days (threshold x days / 5)."""
    days = calendar.school_days(week_commencing)
    return (full_time_hours * days / SCHOOL_DAYS_IN_FULL_WEEK).quantize(Decimal("0.01"))


def weekly_totals(hours: Iterable[tuple[date, Decimal]]) -> dict[date, Decimal]:
    """Each week's hours summed over all providers."""
    totals: dict[date, Decimal] = {}
    for week_commencing, provider_hours in hours:
        totals[week_commencing] = totals.get(week_commencing, Decimal(0)) + provider_hours
    return totals


@dataclass(frozen=True)
class WeekJudgement:
    """A reported term week: the child's total, the week's threshold, and the run it is in."""

    week_commencing: date
    total_hours: Decimal
    threshold_hours: Decimal
    below_threshold: bool
    below_since: date | None


def judge_weeks(
    totals: Mapping[date, Decimal],
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
    previous: WeekJudgement | None = None,
) -> list[WeekJudgement]:
    """Judge each reported term week in order, continuing from the judgement before them.

    Unreported term weeks between two reported ones carry the earlier state, so a run of
    below-threshold weeks continues across them; holiday-week totals are ignored.
    """
    judgements = []
    for week_commencing in sorted(totals):
        if not calendar.is_term_week(week_commencing):
            continue
        threshold = threshold_for(
            week_commencing, full_time_hours=full_time_hours, calendar=calendar
        )
        below = totals[week_commencing] < threshold
        below_since = None
        if below:
            continuing = previous is not None and previous.below_threshold
            below_since = previous.below_since if continuing and previous else week_commencing
        previous = WeekJudgement(
            week_commencing, totals[week_commencing], threshold, below, below_since
        )
        judgements.append(previous)
    return judgements


def with_next_weeks(
    judgements: Sequence[WeekJudgement],
) -> Iterator[tuple[WeekJudgement, date | None]]:
    """Each judgement with the week of the one after it (None for the last)."""
    following = [j.week_commencing for j in judgements[1:]]
    return zip(judgements, [*following, None], strict=False)


@dataclass(frozen=True)
class Status:
    """A child's state as at a week, from their latest judgement on or before it."""

    week_commencing: date
    threshold_hours: Decimal
    total_hours: Decimal | None
    below_threshold: bool
    weeks_below: int
    below_since: date | None
    last_reported_week: date | None
    unreported_weeks: int


def status_as_at(
    week_commencing: date,
    latest: WeekJudgement | None,
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> Status:
    """The status in ``week_commencing`` given the latest judgement on or before it.

    Through unreported and holiday weeks the judgement is carried with the total and the
    threshold it was made against.
    """
    if latest is None:
        threshold = threshold_for(
            week_commencing, full_time_hours=full_time_hours, calendar=calendar
        )
        return Status(week_commencing, threshold, None, False, 0, None, None, 0)
    unreported = calendar.term_weeks(latest.week_commencing + WEEK, week_commencing)
    weeks_below = 0
    if latest.below_threshold and latest.below_since is not None:
        weeks_below = calendar.term_weeks(latest.below_since, week_commencing)
    return Status(
        week_commencing=week_commencing,
        threshold_hours=latest.threshold_hours,
        total_hours=latest.total_hours,
        below_threshold=latest.below_threshold,
        weeks_below=weeks_below,
        below_since=latest.below_since,
        last_reported_week=latest.week_commencing,
        unreported_weeks=unreported,
    )
