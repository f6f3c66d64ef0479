"""The register's rules as pure functions: weeks, thresholds and below-threshold runs.

No I/O here. The database layer feeds in each reported term week's total with the child's
provision arrangements and stores the ``RegisterWeek`` rows judged from them; reads turn the
latest row into a ``Status`` as at a week.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, cached_property

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
    _next: dict[date, date] = field(default_factory=dict, init=False, compare=False, repr=False)
    _term_starts: dict[date, date] = field(
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

    def term_starts(self, day: date) -> date:
        """The Monday of the week the term holding ``day`` began: the LA's term (or the last
        one before it) within the span of terms entered; outside it, the usual English terms
        from 1 September, 1 January and 1 April."""
        starts = self._term_starts.get(day)
        if starts is None:
            term = self.term_containing(day)
            if term is not None and day <= self.terms[-1].end:
                starts = monday_of(term.start)
            else:
                year = day.year
                usual = (date(year - 1, 9, 1), date(year, 1, 1), date(year, 4, 1), date(year, 9, 1))
                starts = monday_of(max(start for start in usual if start <= day))
            self._term_starts[day] = starts
        return starts

    def nth_school_day(self, first_day: date, n: int, *, step: int = 1) -> date | None:
        """The ``n``-th school day counting from ``first_day`` (backwards with ``step`` -1);
        None if not within a year."""
        day = first_day
        for _ in range(366):
            if self.is_school_day(day):
                n -= 1
                if n == 0:
                    return day
            day += timedelta(days=step)
        return None

    def is_term_week(self, week_commencing: date) -> bool:
        """A week with at least one school day; holiday weeks neither count nor break a run."""
        return self.school_days(week_commencing) > 0

    def next_term_week(self, after: date) -> date:
        """The first term week after the week of ``after``."""
        start = monday_of(after)
        week = self._next.get(start)
        if week is None:
            week = start + WEEK
            # Outside the span of the terms entered every week is a term week, so this ends.
            while not self.is_term_week(week):
                week += WEEK
            self._next[start] = week
        return week

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


# National curriculum year groups of compulsory school age, youngest first (rule 10).
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")
# Full-time hours in a week, which may depend on the week (the child's year group).
FullTimeHours = Callable[[date], Decimal]


def school_year_starts(week_commencing: date) -> date:
    """The first week of the school year holding the week: the week of 1 September."""
    start = monday_of(date(week_commencing.year, 9, 1))
    return start if week_commencing >= start else monday_of(date(week_commencing.year - 1, 9, 1))


def year_group(date_of_birth: date, week_commencing: date) -> str | None:
    """The child's year group in the week's school year: Reception in the school year in which
    they turn 5 (None before Reception or after Year 11)."""
    fifth = _birthday(date_of_birth, 5)
    reception = fifth.year if fifth.month >= 9 else fifth.year - 1
    index = school_year_starts(week_commencing).year - reception
    return YEAR_GROUPS[index] if 0 <= index < len(YEAR_GROUPS) else None


@dataclass(frozen=True)
class FullTime:
    """The LA's full-time hours: one figure, or one per year group (rule 10). A group not named
    takes the nearest lower group named, else the one figure."""

    default: Decimal
    by_year_group: tuple[tuple[str, Decimal], ...] = ()

    def hours(self, date_of_birth: date, week_commencing: date) -> Decimal:
        """The full-time hours for the child in that week."""
        group = year_group(date_of_birth, week_commencing)
        if group is None or not self.by_year_group:
            return self.default
        named = dict(self.by_year_group)
        lower = [g for g in YEAR_GROUPS[: YEAR_GROUPS.index(group) + 1] if g in named]
        return named[lower[-1]] if lower else self.default

    @property
    def most(self) -> Decimal:
        """The most full-time hours of any year group: a child who receives as many misses no
        school days, whatever their year group."""
        return max([self.default, *(hours for _, hours in self.by_year_group)])

    def of(self, date_of_birth: date) -> FullTimeHours:
        """The child's full-time hours, week by week."""
        return lambda week_commencing: self.hours(date_of_birth, week_commencing)


def school_days_missed(
    hours_received: Decimal,
    week_commencing: date,
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> Decimal:
    """Rule 11: a week's school days missed, max(0, pro-rata threshold - hours received) over a
    day's hours (threshold / 5), to two places."""
    threshold = threshold_for(week_commencing, full_time_hours=full_time_hours, calendar=calendar)
    short = max(Decimal(0), threshold - hours_received)
    return (short * SCHOOL_DAYS_IN_FULL_WEEK / full_time_hours).quantize(Decimal("0.01"))


def weekly_totals(hours: Iterable[tuple[date, Decimal]]) -> dict[date, Decimal]:
    """Each week's hours summed over all providers."""
    totals: dict[date, Decimal] = {}
    for week_commencing, provider_hours in hours:
        totals[week_commencing] = totals.get(week_commencing, Decimal(0)) + provider_hours
    return totals


@dataclass(frozen=True)
class SchoolAge:
    """Compulsory school age (rule 8): weeks outside it are not judged."""

    starts: date
    ends: date

    @cached_property
    def _weeks(self) -> tuple[date, date]:
        return monday_of(self.starts), monday_of(self.ends)

    def covers(self, week_commencing: date) -> bool:
        """The week has a day of compulsory school age."""
        first, last = self._weeks
        return first <= week_commencing <= last


# A child reaches compulsory school age on the first of these days after their fifth birthday.
_SCHOOL_AGE_STARTS = ((1, 1), (4, 1), (9, 1))


@cache  # a few thousand distinct dates of birth, asked about for every write
def compulsory_school_age(date_of_birth: date) -> SchoolAge:
    """From the 1 January, 1 April or 1 September after the fifth birthday to the last Friday
    of June of the school year (September to August) in which the child turns 16."""
    fifth = _birthday(date_of_birth, 5)
    starts = min(
        date(fifth.year + later, month, day)
        for later in (0, 1)
        for month, day in _SCHOOL_AGE_STARTS
        if date(fifth.year + later, month, day) > fifth
    )
    sixteenth = _birthday(date_of_birth, 16)
    june_30 = date(sixteenth.year + (sixteenth.month >= 9), 6, 30)
    return SchoolAge(starts, june_30 - timedelta(days=(june_30.weekday() - 4) % 7))


def _birthday(date_of_birth: date, age: int) -> date:
    # A child born on 29 February has their birthday on 1 March in other years.
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


@dataclass(frozen=True)
class ProvisionEnd:
    """A provider's statement that its provision for a child ends on a day, and why."""

    provider_id: int
    end_date: date
    reason: str


@dataclass(frozen=True)
class Provision:
    """One provider's arrangement for a child (rule 6): open from its first record's week to the
    week of its end date, or for as long as no end is recorded."""

    provider_id: int
    start_week: date
    last_week: date
    end_date: date | None = None
    end_reason: str | None = None

    @cached_property
    def end_week(self) -> date | None:
        """The week of the end date, which the arrangement covers."""
        return None if self.end_date is None else monday_of(self.end_date)

    def open_in(self, week_commencing: date) -> bool:
        """The arrangement covers the week (an end date counts its own week)."""
        end = self.end_week
        return self.start_week <= week_commencing and (end is None or week_commencing <= end)


def provision_arrangements(
    record_weeks: Iterable[tuple[int, date]], ends: Iterable[ProvisionEnd]
) -> list[Provision]:
    """Each provider's arrangements from its record weeks and ends (rule 6): a record opens an
    arrangement, an end closes it, a record for a later week opens a new one. An end with no
    record since the one before closes nothing (its records were withdrawn)."""
    timelines: dict[int, list[tuple[date, ProvisionEnd | None]]] = {}
    for provider_id, week_commencing in record_weeks:
        timelines.setdefault(provider_id, []).append((week_commencing, None))
    for stated in ends:
        timelines.setdefault(stated.provider_id, []).append((monday_of(stated.end_date), stated))
    arrangements: list[Provision] = []
    for provider_id, timeline in sorted(timelines.items()):
        start: date | None = None
        last: date | None = None
        for week_commencing, end in sorted(timeline, key=_in_order):
            if end is None:
                start, last = start or week_commencing, week_commencing
            elif start is not None and last is not None:
                arrangements.append(Provision(provider_id, start, last, end.end_date, end.reason))
                start = last = None
        if start is not None and last is not None:
            arrangements.append(Provision(provider_id, start, last))
    return arrangements


def with_new_weeks(
    provider_id: int,
    arrangements: Sequence[Provision],
    ends: Sequence[ProvisionEnd],
    weeks: Iterable[date],
) -> list[Provision] | None:
    """One provider's arrangements once records for new weeks arrive, when that is plain from
    the arrangements alone: a week inside an arrangement extends it at most, and a week after
    the last arrangement ended opens a new one. None when only all the records and ends can
    tell (a week before or between arrangements, or an end stated for after the new week)."""
    drawn = sorted(arrangements, key=lambda arrangement: arrangement.start_week)
    for week in sorted(weeks):
        covering = next((i for i, a in enumerate(drawn) if a.open_in(week)), None)
        if covering is not None:
            if week > drawn[covering].last_week:
                drawn[covering] = replace(drawn[covering], last_week=week)
            continue
        ended = drawn[-1].end_date if drawn else None
        if drawn and (ended is None or week <= monday_of(ended)):
            return None  # before or between arrangements
        if any(monday_of(end.end_date) >= week for end in ends):
            return None  # an end stated with no records yet may close what this week opens
        drawn.append(Provision(provider_id, week, week))
    return drawn


def _in_order(event: tuple[date, ProvisionEnd | None]) -> tuple[date, bool, date]:
    # An end comes after the records of its own week, which it includes.
    week_commencing, end = event
    return week_commencing, end is not None, end.end_date if end else week_commencing


@dataclass(frozen=True)
class WeekJudgement:
    """A reported term week on the register: the child's total, the week's threshold, the run
    it is in, the week this time on the register began, and the hours short of full time so
    far this term (reported weeks only)."""

    week_commencing: date
    total_hours: Decimal
    threshold_hours: Decimal
    below_threshold: bool
    below_since: date | None
    on_register_since: date
    short_hours: Decimal
    # Rule 11: hours received (attended where sent), the school days missed this school year
    # through this week (carried weeks counted as carried), and how many of those fell in
    # weeks given for health needs; whether this week's records give health needs.
    hours_received: Decimal | None = None
    missed_days: Decimal = Decimal(0)
    missed_days_health: Decimal = Decimal(0)
    health: bool = False
    # Rule 12: suspensions in force, by provider: (provider_id, first day), until that provider
    # sends a record without one.
    suspensions: tuple[tuple[int, date], ...] = ()

    @property
    def received(self) -> Decimal:
        """Hours received: the total offered where no attendance was sent."""
        return self.total_hours if self.hours_received is None else self.hours_received

    @property
    def suspended_from(self) -> date | None:
        """The earliest suspension in force."""
        return min((start for _, start in self.suspensions), default=None)


def missed_before(
    state: WeekJudgement,
    week_commencing: date,
    *,
    full_time: FullTimeHours,
    calendar: SchoolCalendar,
) -> tuple[Decimal, Decimal]:
    """School days missed (all, and for health needs) in the school year of ``week_commencing``
    before that week, ``state`` carried through the unreported term weeks after it (rule 11)."""
    starts = school_year_starts(week_commencing)
    same_year = state.week_commencing >= starts
    missed = state.missed_days if same_year else Decimal(0)
    health = state.missed_days_health if same_year else Decimal(0)
    hours = full_time(starts)  # a child's full-time hours hold for a school year (rule 10)
    week = max(state.week_commencing + WEEK, starts)
    while week < week_commencing:
        if calendar.is_term_week(week):
            days = school_days_missed(
                state.received, week, full_time_hours=hours, calendar=calendar
            )
            missed += days
            health += days if state.health else 0
        week += WEEK
    return missed, health


def missed_as_at(
    state: WeekJudgement,
    week_commencing: date,
    *,
    full_time: FullTimeHours,
    calendar: SchoolCalendar,
) -> tuple[Decimal, Decimal]:
    """School days missed this school year through ``week_commencing`` (all, health needs)."""
    if week_commencing == state.week_commencing:
        return state.missed_days, state.missed_days_health
    missed, health = missed_before(state, week_commencing, full_time=full_time, calendar=calendar)
    if calendar.is_term_week(week_commencing):
        days = school_days_missed(
            state.received,
            week_commencing,
            full_time_hours=full_time(week_commencing),
            calendar=calendar,
        )
        missed += days
        health += days if state.health else 0
    return missed, health


def week_missed_reached(
    judgements: Sequence[WeekJudgement],
    days: Decimal,
    *,
    through: date,
    full_time: FullTimeHours,
    calendar: SchoolCalendar,
) -> date | None:
    """The week in which the school days missed this school year reached ``days``, from the
    child's judgements in order (None if they have not by ``through``)."""
    starts = school_year_starts(through)
    pending = list(judgements)
    latest: WeekJudgement | None = None
    while pending and pending[0].week_commencing < starts:
        latest = pending.pop(0)
    missed = Decimal(0)
    hours = full_time(starts)  # a child's full-time hours hold for a school year (rule 10)
    # Nothing is missed before the first judgement, if none is carried into the year.
    week = starts if latest is not None or not pending else max(starts, pending[0].week_commencing)
    while week <= through:
        if pending and pending[0].week_commencing == week:
            latest = pending.pop(0)
            missed = latest.missed_days
        elif latest is not None and calendar.is_term_week(week):
            missed += school_days_missed(
                latest.received, week, full_time_hours=hours, calendar=calendar
            )
        if missed >= days:
            return week
        week += WEEK
    return None


@dataclass(frozen=True)
class RegisterExit:
    """The first term week a child is off the register (rules 7 and 8), and why."""

    week_commencing: date
    left_register_on: date
    exit_reason: str
    on_register_since: date


RegisterWeek = WeekJudgement | RegisterExit
CEASED_COMPULSORY_SCHOOL_AGE = "ceased_compulsory_school_age"


def judge_register(
    totals: Mapping[date, Decimal],
    provisions: Sequence[Provision],
    *,
    school_age: SchoolAge,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
    previous: RegisterWeek | None = None,
    from_week: date | None = None,
    full_time: FullTimeHours | None = None,
    received: Mapping[date, Decimal] | None = None,
    health_weeks: Collection[date] = (),
    suspensions: Mapping[date, Mapping[int, date | None]] | None = None,
) -> list[RegisterWeek]:
    """The child's register weeks from ``from_week`` on, continuing from ``previous``: a
    judgement for each reported term week while on the register, an exit for the first term
    week after every provision has ended or compulsory school age is over.

    Unreported term weeks between two judgements carry the earlier state (rule 4), so a run
    continues across them; holiday weeks and weeks outside compulsory school age are not
    judged; nothing carries across an exit.

    ``full_time`` gives a week's full-time hours (default ``full_time_hours``); ``received``
    each week's hours received (default its total); ``health_weeks`` the weeks given for
    health needs; ``suspensions`` each week's records by provider: the first day of a
    suspension, or None for a record without one (rules 10-12).
    """
    figure = full_time or (lambda _week: full_time_hours)
    weeks = {
        week
        for week in totals
        if calendar.is_term_week(week) and school_age.covers(week) and week >= (from_week or week)
    }
    leaving = [monday_of(p.end_date) for p in provisions if p.end_date is not None]
    for last_week in (*leaving, monday_of(school_age.ends)):
        week = calendar.next_term_week(last_week)
        if from_week is None or week >= from_week:
            weeks.add(week)

    judged: list[RegisterWeek] = []
    state = previous
    for week in sorted(weeks):
        on_register = school_age.covers(week) and any(p.open_in(week) for p in provisions)
        carried = state if isinstance(state, WeekJudgement) else None
        if on_register and week in totals:
            threshold = threshold_for(week, full_time_hours=figure(week), calendar=calendar)
            below = totals[week] < threshold
            below_since = None
            if below:
                below_since = carried.below_since if carried and carried.below_threshold else week
            short = threshold - totals[week] if below else Decimal(0)
            if carried and calendar.term_starts(carried.week_commencing) == calendar.term_starts(
                week
            ):
                short += carried.short_hours
            hours_received = received.get(week) if received is not None else None
            missed, health = (
                missed_before(carried, week, full_time=figure, calendar=calendar)
                if carried
                else (Decimal(0), Decimal(0))
            )
            days = school_days_missed(
                totals[week] if hours_received is None else hours_received,
                week,
                full_time_hours=figure(week),
                calendar=calendar,
            )
            in_force = dict(carried.suspensions) if carried else {}
            for provider_id, first_day in (suspensions or {}).get(week, {}).items():
                if first_day is None:
                    in_force.pop(provider_id, None)
                else:
                    in_force[provider_id] = first_day
            state = WeekJudgement(
                week,
                totals[week],
                threshold,
                below,
                below_since,
                carried.on_register_since if carried else week,
                short,
                hours_received,
                missed + days,
                health + (days if week in health_weeks else 0),
                week in health_weeks,
                tuple(sorted(in_force.items())),
            )
            judged.append(state)
        elif carried and not on_register:
            state = _exit(week, provisions, school_age, carried.on_register_since)
            judged.append(state)
    return judged


def _exit(
    week: date, provisions: Sequence[Provision], school_age: SchoolAge, on_register_since: date
) -> RegisterExit:
    """Why a child is off the register in a week: still provided for but past compulsory
    school age, or the end that closed their last open provision."""
    if any(p.open_in(week) for p in provisions):
        return RegisterExit(week, school_age.ends, CEASED_COMPULSORY_SCHOOL_AGE, on_register_since)
    closer = max(
        (p for p in provisions if p.end_date is not None and monday_of(p.end_date) < week),
        key=lambda p: p.end_date or date.min,
    )
    assert closer.end_date is not None and closer.end_reason is not None
    return RegisterExit(week, closer.end_date, closer.end_reason, on_register_since)


def with_next(weeks: Sequence[RegisterWeek]) -> Iterator[tuple[RegisterWeek, RegisterWeek | None]]:
    """Each register week with the one after it (None for the last)."""
    following: list[RegisterWeek | None] = [*weeks[1:], None]
    return zip(weeks, following[: len(weeks)], strict=True)


@dataclass(frozen=True)
class Status:
    """A child's state as at a week, from their latest register week on or before it."""

    week_commencing: date
    threshold_hours: Decimal
    total_hours: Decimal | None
    below_threshold: bool
    weeks_below: int
    below_since: date | None
    last_reported_week: date | None
    unreported_weeks: int
    on_register: bool
    left_register_on: date | None = None
    exit_reason: str | None = None
    hours_received: Decimal | None = None
    school_days_missed_this_year: Decimal = Decimal(0)


def status_as_at(
    week_commencing: date,
    latest: RegisterWeek | None,
    *,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
    full_time: FullTimeHours | None = None,
) -> Status:
    """The status in ``week_commencing`` given the latest register week on or before it.

    Through unreported and holiday weeks a judgement is carried with the total and the
    threshold it was made against; after an exit nothing is carried.
    """
    if not isinstance(latest, WeekJudgement):
        return Status(
            week_commencing=week_commencing,
            threshold_hours=threshold_for(
                week_commencing,
                full_time_hours=full_time(week_commencing) if full_time else full_time_hours,
                calendar=calendar,
            ),
            total_hours=None,
            below_threshold=False,
            weeks_below=0,
            below_since=None,
            last_reported_week=None,
            unreported_weeks=0,
            on_register=False,
            left_register_on=latest.left_register_on if latest else None,
            exit_reason=latest.exit_reason if latest else None,
        )
    unreported = calendar.term_weeks(latest.week_commencing + WEEK, week_commencing)
    weeks_below = 0
    if latest.below_threshold and latest.below_since is not None:
        weeks_below = calendar.term_weeks(latest.below_since, week_commencing)
    missed, _ = missed_as_at(
        latest,
        week_commencing,
        full_time=full_time or (lambda _week: full_time_hours),
        calendar=calendar,
    )
    return Status(
        week_commencing=week_commencing,
        threshold_hours=latest.threshold_hours,
        total_hours=latest.total_hours,
        below_threshold=latest.below_threshold,
        weeks_below=weeks_below,
        below_since=latest.below_since,
        last_reported_week=latest.week_commencing,
        unreported_weeks=unreported,
        on_register=True,
        hours_received=latest.received,
        school_days_missed_this_year=missed,
    )
