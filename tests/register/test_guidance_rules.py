"""Rules 10-12 on their own: full time by year group, school days missed across the school
year, suspensions from the sixth school day. No database, no HTTP."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.register.rules import (
    WEEK,
    YEAR_GROUPS,
    FullTime,
    Provision,
    RegisterWeek,
    SchoolAge,
    SchoolCalendar,
    Term,
    WeekJudgement,
    judge_register,
    school_days_missed,
    school_year_starts,
    status_as_at,
    week_missed_reached,
    year_group,
)

FULL_TIME = Decimal(25)
START = date(2026, 9, 7)
NO_CALENDAR = SchoolCalendar()
ALWAYS_OPEN = (Provision(1, date(1990, 1, 1), date(1990, 1, 1)),)
ALWAYS_OF_AGE = SchoolAge(date(1990, 1, 1), date(2099, 12, 31))
# Half-terms as many LAs enter them: Autumn 1 to 23 October, Autumn 2 from 2 November.
HALF_TERMS = SchoolCalendar(
    terms=(Term(date(2026, 9, 7), date(2026, 10, 23)), Term(date(2026, 11, 2), date(2026, 12, 18)))
)
BY_KEY_STAGE = FullTime(
    Decimal(25),
    (("R", Decimal(21)), ("3", Decimal("23.5")), ("7", Decimal(24)), ("10", Decimal(25))),
)


def judged(
    offered: Mapping[date, Decimal],
    *,
    received: Mapping[date, Decimal] | None = None,
    health: frozenset[date] = frozenset(),
    calendar: SchoolCalendar = NO_CALENDAR,
    previous: RegisterWeek | None = None,
    from_week: date | None = None,
    suspensions: Mapping[date, Mapping[int, date | None]] | None = None,
) -> list[WeekJudgement]:
    weeks = judge_register(
        offered,
        ALWAYS_OPEN,
        school_age=ALWAYS_OF_AGE,
        full_time_hours=FULL_TIME,
        calendar=calendar,
        previous=previous,
        from_week=from_week,
        received=received,
        health_weeks=health,
        suspensions=suspensions,
    )
    return [week for week in weeks if isinstance(week, WeekJudgement)]


@given(st.dates(date(2008, 9, 1), date(2022, 8, 31)), st.integers(0, 11))
def test_reception_is_the_school_year_a_child_turns_five(born: date, later: int) -> None:
    fifth = date(born.year + 5, born.month, 28 if born.day > 28 else born.day)
    # The school year (1 September to 31 August) holding the fifth birthday.
    reception = fifth.year if fifth.month >= 9 else fifth.year - 1
    october = date(reception + later, 10, 1)
    assert year_group(born, october) == YEAR_GROUPS[later]
    assert school_year_starts(october) == school_year_starts(date(reception + later, 9, 7))


@given(st.dates(date(2009, 9, 1), date(2021, 8, 31)), st.dates(date(2026, 9, 1), date(2027, 7, 1)))
def test_a_group_not_named_takes_the_nearest_lower_group_named(born: date, day: date) -> None:
    group = year_group(born, day)
    hours = BY_KEY_STAGE.hours(born, day)
    if group is None:
        assert hours == FULL_TIME
    else:
        index = YEAR_GROUPS.index(group)
        expected = Decimal(21) if index < 3 else Decimal("23.5") if index < 7 else Decimal(24)
        assert hours == (Decimal(25) if index >= 10 else expected)


def test_the_threshold_applied_is_the_childs_year_groups_figure() -> None:
    year_2 = date(2020, 3, 1)  # Year 2 in 2026/27
    assert year_group(year_2, START) == "2"
    week, *_ = judge_register(
        {START: Decimal(22)},
        ALWAYS_OPEN,
        school_age=ALWAYS_OF_AGE,
        full_time_hours=FULL_TIME,
        calendar=NO_CALENDAR,
        full_time=BY_KEY_STAGE.of(year_2),
    )
    assert isinstance(week, WeekJudgement)
    assert (week.threshold_hours, week.below_threshold) == (Decimal(21), False)


hours = st.decimals(0, 30, places=1)


@given(st.lists(st.one_of(st.none(), hours), min_size=1, max_size=30))
def test_missed_days_add_up_over_the_school_year_counting_carried_weeks(
    sent: list[Decimal | None],
) -> None:
    offered = {START + n * WEEK: h for n, h in enumerate(sent) if h is not None}
    if not offered:
        return
    weeks = judged(offered)
    last_week = START + (len(sent) - 1) * WEEK
    expected, carried = Decimal(0), None
    for n, h in enumerate(sent):
        carried = h if h is not None else carried
        if carried is not None:
            expected += school_days_missed(
                carried, START + n * WEEK, full_time_hours=FULL_TIME, calendar=NO_CALENDAR
            )
    status = status_as_at(last_week, weeks[-1], full_time_hours=FULL_TIME, calendar=NO_CALENDAR)
    assert status.school_days_missed_this_year == expected


@given(st.lists(hours, min_size=2, max_size=20), st.data())
def test_judging_from_a_later_week_continues_the_count(
    sent: list[Decimal], data: st.DataObject
) -> None:
    offered = {START + n * WEEK: h for n, h in enumerate(sent)}
    whole = judged(offered)
    cut = data.draw(st.integers(1, len(sent) - 1))
    resumed = judged(
        {week: h for week, h in offered.items() if week >= START + cut * WEEK},
        previous=whole[cut - 1],
        from_week=START + cut * WEEK,
    )
    assert whole[:cut] + resumed == whole


@given(st.decimals(0, 25, places=1))
def test_the_count_restarts_on_1_september(h: Decimal) -> None:
    july, september = date(2027, 7, 12), date(2027, 8, 30)  # the week of 1 September
    weeks = judged({july: h, september: h})
    assert weeks[-1].missed_days == school_days_missed(
        h, september, full_time_hours=FULL_TIME, calendar=NO_CALENDAR
    )


def test_hours_received_not_offered_count_as_missed() -> None:
    offered = {START + n * WEEK: Decimal(25) for n in range(3)}
    weeks = judged(offered, received=dict.fromkeys(offered, Decimal(0)))
    assert [w.below_threshold for w in weeks] == [False, False, False]
    assert weeks[-1].missed_days == 15


def test_fifteen_days_across_two_half_terms_with_the_week_it_was_reached() -> None:
    autumn_1 = [date(2026, 10, 12), date(2026, 10, 19)]
    autumn_2 = date(2026, 11, 2)
    offered = dict.fromkeys([*autumn_1, autumn_2], Decimal(0))
    weeks = judged(offered, health=frozenset(offered), calendar=HALF_TERMS)
    assert (weeks[-1].missed_days, weeks[-1].missed_days_health) == (Decimal(15), Decimal(15))
    reached = week_missed_reached(
        weeks,
        Decimal(15),
        through=date(2026, 11, 9),
        full_time=lambda _week: FULL_TIME,
        calendar=HALF_TERMS,
    )
    assert reached == autumn_2


@given(st.lists(st.sampled_from(["suspended", "back", None]), min_size=1, max_size=12))
def test_a_suspension_lasts_until_that_provider_sends_a_record_without_one(
    school: list[str | None],
) -> None:
    offered = {START + n * WEEK: Decimal(10) for n in range(len(school))}
    by_week: dict[date, dict[int, date | None]] = {}
    expected: date | None = None
    for n, sent in enumerate(school):
        week = START + n * WEEK
        if sent == "suspended":
            by_week[week] = {1: week}
            expected = week
        elif sent == "back":
            by_week[week] = {1: None}
            expected = None
        by_week.setdefault(week, {})[2] = None  # another provider, never suspending
    weeks = judged(offered, suspensions=by_week)
    assert weeks[-1].suspended_from == expected
