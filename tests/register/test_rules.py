"""The register's rules on their own: no database, no HTTP."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.register.rules import (
    WEEK,
    Provision,
    RegisterWeek,
    SchoolAge,
    SchoolCalendar,
    Status,
    Term,
    judge_register,
    monday_of,
    status_as_at,
    threshold_for,
    weekly_totals,
    with_next,
)

FULL_TIME = Decimal(25)
START = date(2026, 9, 7)
NO_CALENDAR = SchoolCalendar()
# Rules 1-5 on their own: one provision open throughout, a child of school age throughout.
ALWAYS_OPEN = (Provision(1, date(1990, 1, 1), date(1990, 1, 1)),)
ALWAYS_OF_AGE = SchoolAge(date(1990, 1, 1), date(2099, 12, 31))


def judge_weeks(
    totals: dict[date, Decimal], *, calendar: SchoolCalendar = NO_CALENDAR
) -> list[RegisterWeek]:
    """Rules 1-5: every week judged, with provision open and of school age throughout."""
    return judge_register(
        totals,
        ALWAYS_OPEN,
        school_age=ALWAYS_OF_AGE,
        full_time_hours=FULL_TIME,
        calendar=calendar,
    )


def latest_by(rows: list[RegisterWeek], as_at: date) -> RegisterWeek | None:
    """The register week a status as at ``as_at`` rests on."""
    return max(
        (row for row in rows if row.week_commencing <= as_at),
        default=None,
        key=lambda row: row.week_commencing,
    )


def status(
    totals: dict[date, Decimal], as_at: date, calendar: SchoolCalendar = NO_CALENDAR
) -> Status:
    """The status as at a week, judged from scratch."""
    latest = latest_by(judge_weeks(totals, calendar=calendar), as_at)
    return status_as_at(monday_of(as_at), latest, full_time_hours=FULL_TIME, calendar=calendar)


def weeks_of(hours: Sequence[float | Decimal], start: date = START) -> dict[date, Decimal]:
    return {start + i * WEEK: Decimal(str(h)) for i, h in enumerate(hours)}


def test_exactly_full_time_is_not_below() -> None:
    assert not status(weeks_of([25]), START).below_threshold
    assert status(weeks_of([24.99]), START).below_threshold


def test_run_counts_consecutive_weeks_and_starts_on_first_monday() -> None:
    result = status(weeks_of([10] * 8), START + 7 * WEEK)
    assert (result.weeks_below, result.below_since) == (8, START)


def test_full_time_week_breaks_the_run() -> None:
    result = status(weeks_of([10, 10, 30, 10, 10]), START + 4 * WEEK)
    assert (result.weeks_below, result.below_since) == (2, START + 3 * WEEK)


def test_not_below_means_zero_weeks_and_no_date() -> None:
    result = status(weeks_of([10, 30]), START + WEEK)
    assert (result.below_threshold, result.weeks_below, result.below_since) == (False, 0, None)


def test_unreported_weeks_carry_the_last_state() -> None:
    totals = weeks_of([10, 10])
    result = status(totals, START + 4 * WEEK)
    assert result.below_threshold
    assert (result.weeks_below, result.unreported_weeks) == (5, 3)
    assert result.total_hours == Decimal(10)
    full_time = status(weeks_of([30]), START + 3 * WEEK)
    assert not full_time.below_threshold and full_time.unreported_weeks == 3


def test_before_any_record_the_child_has_no_state() -> None:
    result = status(weeks_of([10], start=START + WEEK), START)
    assert result.total_hours is None and not result.below_threshold


def test_four_day_week_has_pro_rata_threshold() -> None:
    calendar = SchoolCalendar(closures=frozenset({START}))
    assert calendar.school_days(START) == 4
    assert threshold_for(START, full_time_hours=FULL_TIME, calendar=calendar) == Decimal(20)
    assert not status(weeks_of([20]), START, calendar).below_threshold
    assert status(weeks_of([19.5]), START, calendar).below_threshold


def test_holiday_week_neither_counts_nor_breaks_a_run() -> None:
    # Terms either side of a half-term week (26 Oct 2026).
    calendar = SchoolCalendar(
        terms=(
            Term(date(2026, 9, 1), date(2026, 10, 23)),
            Term(date(2026, 11, 2), date(2026, 12, 18)),
        )
    )
    half_term = date(2026, 10, 26)
    assert not calendar.is_term_week(half_term)
    totals = {
        date(2026, 10, 12): Decimal(5),
        date(2026, 10, 19): Decimal(5),
        half_term: Decimal(40),
        date(2026, 11, 2): Decimal(5),
    }
    result = status(totals, date(2026, 11, 2), calendar)
    assert (result.weeks_below, result.below_since) == (3, date(2026, 10, 12))
    assert result.unreported_weeks == 0


def test_term_week_counting_and_its_inverse() -> None:
    calendar = SchoolCalendar(
        terms=(
            Term(date(2026, 9, 1), date(2026, 10, 23)),
            Term(date(2026, 11, 2), date(2026, 12, 18)),
        )
    )
    assert calendar.term_weeks(date(2026, 10, 19), date(2026, 11, 2)) == 2
    assert calendar.term_week_ending(date(2026, 11, 4), 2) == date(2026, 10, 19)
    # Before the first term entered, weeks count as term weeks.
    assert calendar.term_week_ending(date(2026, 9, 1), 2) == date(2026, 8, 24)
    assert NO_CALENDAR.term_week_ending(START, 3) == START - 2 * WEEK


def test_split_totals_sum_providers() -> None:
    assert weekly_totals(
        [(START, Decimal(10)), (START, Decimal(10)), (START + WEEK, Decimal(1))]
    ) == {START: Decimal(20), START + WEEK: Decimal(1)}


def judged(rows: list[tuple[date, Decimal]]) -> list[RegisterWeek]:
    return judge_weeks(weekly_totals(rows))


hours = st.decimals(min_value=0, max_value=60, places=2)
histories = st.lists(hours, min_size=1, max_size=30)


@given(histories, st.data())
def test_splitting_a_week_across_providers_never_changes_the_result(
    weekly: list[Decimal], data: st.DataObject
) -> None:
    whole = [(START + i * WEEK, h) for i, h in enumerate(weekly)]
    split = []
    for week_commencing, total in whole:
        part = data.draw(st.decimals(min_value=0, max_value=total, places=2))
        split += [(week_commencing, part), (week_commencing, total - part)]
    assert judged(split) == judged(whole)


@given(histories, st.data())
def test_raising_a_weeks_hours_never_lengthens_a_run(
    weekly: list[Decimal], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(weekly) - 1))
    raised = list(weekly)
    raised[index] = min(Decimal(60), raised[index] + data.draw(hours))
    as_at = START + data.draw(st.integers(0, len(weekly) + 3)) * WEEK
    assert (
        status(weeks_of(raised), as_at).weeks_below <= status(weeks_of(weekly), as_at).weeks_below
    )


@given(histories, st.lists(st.booleans(), min_size=30, max_size=30))
def test_inserting_holiday_weeks_never_changes_weeks_below(
    weekly: list[Decimal], holiday_after: list[bool]
) -> None:
    # The same term weeks, laid out with holiday weeks between some of them.
    terms, totals, week_commencing = [], {}, START
    for total, holiday in zip(weekly, holiday_after, strict=False):
        terms.append(Term(week_commencing, week_commencing + timedelta(days=4)))
        totals[week_commencing] = total
        week_commencing += 2 * WEEK if holiday else WEEK
    with_holidays = status(totals, max(totals), SchoolCalendar(terms=tuple(terms)))
    without = status(weeks_of(weekly), START + (len(weekly) - 1) * WEEK)
    assert (with_holidays.weeks_below, with_holidays.below_threshold) == (
        without.weeks_below,
        without.below_threshold,
    )


@given(histories, st.data())
def test_a_past_answer_ignores_later_records(weekly: list[Decimal], data: st.DataObject) -> None:
    as_at = START + data.draw(st.integers(0, len(weekly) - 1)) * WEEK
    everything = weeks_of(weekly)
    up_to_then = {week: total for week, total in everything.items() if week <= as_at}
    assert status(everything, as_at) == status(up_to_then, as_at)


@given(histories, st.integers(0, 40))
def test_weeks_below_matches_a_naive_count(weekly: list[Decimal], gap: int) -> None:
    as_at = START + (len(weekly) - 1 + gap) * WEEK
    result = status(weeks_of(weekly), as_at)
    naive = 0
    for total in reversed(weekly):
        if total >= FULL_TIME:
            break
        naive += 1
    # Weeks after the last record carry its state, so they extend a run that reached the end.
    expected = naive + gap if naive else 0
    assert result.weeks_below == expected


@given(st.lists(st.integers(1, 12), min_size=1, max_size=6), st.integers(1, 40), st.integers(0, 80))
def test_term_week_ending_inverts_term_weeks(lengths: list[int], count: int, offset: int) -> None:
    # Terms of the given lengths in weeks, each followed by a one-week holiday.
    terms, start = [], START
    for length in lengths:
        terms.append(Term(start, start + (length - 1) * WEEK + timedelta(days=4)))
        start += (length + 1) * WEEK
    calendar = SchoolCalendar(terms=tuple(terms))
    as_at = START + offset * WEEK
    if not calendar.is_term_week(as_at):
        return
    began = calendar.term_week_ending(as_at, count)
    assert began is not None and calendar.is_term_week(began)
    assert calendar.term_weeks(began, as_at) == count


def test_each_register_week_points_at_the_next() -> None:
    judged_weeks = judged([(START, Decimal(5)), (START + 2 * WEEK, Decimal(30))])
    # The helper's child leaves the register when school age ends in 2099.
    assert [
        (week.week_commencing, following and following.week_commencing)
        for week, following in with_next(judged_weeks)
    ] == [
        (START, START + 2 * WEEK),
        (START + 2 * WEEK, date(2100, 1, 4)),
        (date(2100, 1, 4), None),
    ]
    assert list(with_next([])) == []


def test_a_term_starts_on_the_las_dates_or_the_usual_english_ones() -> None:
    calendar = SchoolCalendar(
        terms=(
            Term(date(2026, 9, 2), date(2026, 10, 23)),
            Term(date(2026, 11, 2), date(2026, 12, 18)),
        )
    )
    assert calendar.term_starts(date(2026, 10, 14)) == date(2026, 8, 31)
    assert calendar.term_starts(date(2026, 10, 28)) == date(2026, 8, 31)  # half term
    assert calendar.term_starts(date(2026, 11, 20)) == date(2026, 11, 2)
    # Beyond the terms entered, and with no calendar: 1 September, 1 January, 1 April.
    assert calendar.term_starts(date(2027, 2, 10)) == monday_of(date(2027, 1, 1))
    assert NO_CALENDAR.term_starts(date(2027, 5, 3)) == monday_of(date(2027, 4, 1))
    assert NO_CALENDAR.term_starts(date(2027, 3, 31)) == monday_of(date(2027, 1, 1))


def test_school_days_count_back_as_well_as_forward() -> None:
    calendar = SchoolCalendar(closures=frozenset({date(2026, 9, 14)}))
    assert calendar.nth_school_day(date(2026, 9, 10), 3) == date(2026, 9, 15)
    assert calendar.nth_school_day(date(2026, 9, 15), 3, step=-1) == date(2026, 9, 10)
