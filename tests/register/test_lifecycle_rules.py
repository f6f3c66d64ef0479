"""Rules 6-9 on their own: provision ends, leaving the register, school age, withdrawals."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.register.rules import (
    WEEK,
    Provision,
    ProvisionEnd,
    RegisterExit,
    RegisterWeek,
    SchoolAge,
    SchoolCalendar,
    Status,
    Term,
    WeekJudgement,
    compulsory_school_age,
    judge_register,
    monday_of,
    provision_arrangements,
    status_as_at,
    weekly_totals,
    with_new_weeks,
)

FULL_TIME = Decimal(25)
START = date(2026, 9, 7)
FRIDAY = timedelta(days=4)
OF_AGE = SchoolAge(date(2015, 9, 1), date(2031, 6, 27))
REASONS = ("returned_full_time", "moved_out_of_area", "whereabouts_unknown", "other")


@dataclass(frozen=True)
class History:
    """What providers sent for one child: (provider, week) -> hours, and ends."""

    records: dict[tuple[int, date], Decimal]
    ends: tuple[ProvisionEnd, ...] = ()
    calendar: SchoolCalendar = field(default_factory=SchoolCalendar)
    school_age: SchoolAge = OF_AGE

    def judged(self) -> list[RegisterWeek]:
        """Every register week, judged from scratch."""
        return judge_register(
            weekly_totals((week, hours) for (_, week), hours in self.records.items()),
            self.provisions(),
            school_age=self.school_age,
            full_time_hours=FULL_TIME,
            calendar=self.calendar,
        )

    def provisions(self) -> list[Provision]:
        return provision_arrangements(self.records, self.ends)

    def judged_from(self, week: date, before: list[RegisterWeek]) -> list[RegisterWeek]:
        """Re-judged from ``week`` on, as the database does: the stored weeks before it kept,
        continuing from the last of them over the records from that week."""
        kept = [row for row in before if row.week_commencing < week]
        totals = weekly_totals(
            (when, hours) for (_, when), hours in self.records.items() if when >= week
        )
        return kept + judge_register(
            totals,
            self.provisions(),
            school_age=self.school_age,
            full_time_hours=FULL_TIME,
            calendar=self.calendar,
            previous=kept[-1] if kept else None,
            from_week=week,
        )

    def status(self, as_at: date) -> Status:
        rows = [row for row in self.judged() if row.week_commencing <= as_at]
        return status_as_at(
            monday_of(as_at),
            rows[-1] if rows else None,
            full_time_hours=FULL_TIME,
            calendar=self.calendar,
        )


def week(n: int) -> date:
    return START + n * WEEK


def weekly(provider: int, hours: float, weeks: range) -> dict[tuple[int, date], Decimal]:
    return {(provider, week(n)): Decimal(str(hours)) for n in weeks}


# --- Compulsory school age (rule 8) --------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "starts", "ends"),
    [
        (date(2010, 5, 1), date(2015, 9, 1), date(2026, 6, 26)),
        # Summer-born children leave in the June before their 16th birthday.
        (date(2010, 8, 31), date(2015, 9, 1), date(2026, 6, 26)),
        (date(2010, 9, 1), date(2016, 1, 1), date(2027, 6, 25)),
        (date(2011, 12, 31), date(2017, 1, 1), date(2028, 6, 30)),
        (date(2012, 1, 1), date(2017, 4, 1), date(2028, 6, 30)),
        # 29 February: the fifth birthday falls on 1 March.
        (date(2012, 2, 29), date(2017, 4, 1), date(2028, 6, 30)),
        (date(2012, 3, 31), date(2017, 4, 1), date(2028, 6, 30)),
    ],
)
def test_compulsory_school_age(born: date, starts: date, ends: date) -> None:
    assert compulsory_school_age(born) == SchoolAge(starts, ends)


@given(st.dates(date(1995, 1, 1), date(2022, 12, 31)))
def test_school_age_starts_after_five_and_ends_in_june_of_the_year_of_sixteen(born: date) -> None:
    age = compulsory_school_age(born)
    fifth = date(born.year + 5, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)
    assert (age.starts.month, age.starts.day) in {(1, 1), (4, 1), (9, 1)}
    # The longest wait is from a 1 April birthday to 1 September.
    assert fifth < age.starts <= fifth + timedelta(days=153)
    assert age.ends.weekday() == 4 and age.ends.month == 6 and (age.ends + WEEK).month == 7
    # The school year (September to August) that holds the June end holds the 16th birthday.
    school_year = (date(age.ends.year - 1, 9, 1), date(age.ends.year, 8, 31))
    sixteenth = born.replace(year=born.year + 16) if (born.month, born.day) != (2, 29) else None
    if sixteenth:
        assert school_year[0] <= sixteenth <= school_year[1]


def test_weeks_outside_school_age_are_not_judged() -> None:
    age = SchoolAge(week(2), week(5) + FRIDAY)
    history = History(weekly(1, 10, range(0, 8)), school_age=age)
    rows = history.judged()
    judged = [row.week_commencing for row in rows if isinstance(row, WeekJudgement)]
    assert judged == [week(2), week(3), week(4), week(5)]
    assert not history.status(week(1)).on_register
    assert history.status(week(5)).weeks_below == 4
    leaving = history.status(week(6))
    assert (leaving.on_register, leaving.exit_reason, leaving.left_register_on) == (
        False,
        "ceased_compulsory_school_age",
        week(5) + FRIDAY,
    )
    # Records after school age do not bring the child back.
    assert not history.status(week(7)).on_register


# --- Provision ends and leaving the register (rules 6 and 7) ---------------------------------


def test_the_year_9_part_time_timetable_ends() -> None:
    """Twelve hours a week for five weeks, then back to full time: the school stops sending."""
    sent = weekly(1, 12, range(5))
    carried = History(sent)
    assert [carried.status(week(n)).weeks_below for n in (5, 10, 25, 60)] == [6, 11, 26, 61]

    ended = History(sent, (ProvisionEnd(1, week(4) + FRIDAY, "returned_full_time"),))
    assert ended.status(week(4)).weeks_below == 5
    for n in (5, 10, 25, 60):
        status = ended.status(week(n))
        assert not status.on_register
        assert (status.weeks_below, status.below_threshold) == (0, False)
        assert (status.exit_reason, status.left_register_on) == (
            "returned_full_time",
            week(4) + FRIDAY,
        )
    # The answer as at a week before the end is the same as before it was recorded.
    assert [ended.status(week(n)) for n in range(5)] == [carried.status(week(n)) for n in range(5)]


def test_an_end_date_counts_its_own_week_and_a_holiday_carries_until_term_resumes() -> None:
    calendar = SchoolCalendar(terms=(Term(week(0), week(3) + FRIDAY), Term(week(5), week(9))))
    history = History(
        weekly(1, 10, range(4)),
        (ProvisionEnd(1, week(3) + timedelta(days=2), "moved_out_of_area"),),
        calendar,
    )
    assert history.status(week(3)).on_register
    # Off the register from the first term week after the end, not during the holiday.
    assert history.status(week(4)).on_register
    assert not history.status(week(5)).on_register


def test_the_register_keeps_a_child_while_any_provision_is_open() -> None:
    history = History(
        weekly(1, 10, range(6)) | weekly(2, 5, range(3)),
        (ProvisionEnd(2, week(2), "moved_to_other_provision"),),
    )
    status = history.status(week(5))
    assert status.on_register and status.total_hours == Decimal(10)
    assert status.weeks_below == 6


def test_the_last_provision_to_end_gives_the_exit_reason() -> None:
    history = History(
        weekly(1, 10, range(4)) | weekly(2, 5, range(4)),
        (
            ProvisionEnd(1, week(3), "returned_full_time"),
            ProvisionEnd(2, week(3) + FRIDAY, "whereabouts_unknown"),
        ),
    )
    status = history.status(week(4))
    assert (status.exit_reason, status.left_register_on) == (
        "whereabouts_unknown",
        week(3) + FRIDAY,
    )


def test_a_later_record_reopens_provision_and_starts_a_new_run() -> None:
    history = History(
        weekly(1, 10, range(3)) | weekly(1, 10, range(8, 10)),
        (ProvisionEnd(1, week(2), "returned_full_time"),),
    )
    assert [(p.start_week, p.end_date) for p in history.provisions()] == [
        (week(0), week(2)),
        (week(8), None),
    ]
    assert not history.status(week(5)).on_register
    back = history.status(week(9))
    assert back.on_register and (back.weeks_below, back.below_since) == (2, week(8))
    assert back.exit_reason is None


def test_a_future_end_leaves_the_child_on_the_register_until_it_passes() -> None:
    history = History(weekly(1, 10, range(2)), (ProvisionEnd(1, week(6), "returned_full_time"),))
    assert history.status(week(6)).on_register
    assert history.status(week(6)).unreported_weeks == 5
    assert not history.status(week(7)).on_register


def test_an_end_without_records_since_the_last_end_closes_nothing() -> None:
    ends = (ProvisionEnd(1, week(2), "returned_full_time"), ProvisionEnd(1, week(9), "other"))
    history = History(weekly(1, 10, range(3)), ends)
    assert [p.end_date for p in history.provisions()] == [week(2)]
    assert history.status(week(5)).exit_reason == "returned_full_time"


# --- Properties --------------------------------------------------------------------------

hours = st.decimals(min_value=0, max_value=40, places=1)


@st.composite
def calendars(draw: st.DrawFn) -> SchoolCalendar:
    """No calendar, or terms of a few weeks with one-week holidays between."""
    if draw(st.booleans()):
        return SchoolCalendar()
    terms, start = [], START
    for length in draw(st.lists(st.integers(1, 6), min_size=1, max_size=6)):
        terms.append(Term(start, start + (length - 1) * WEEK + FRIDAY))
        start += (length + 1) * WEEK
    return SchoolCalendar(terms=tuple(terms))


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Up to three providers' records over 24 weeks, some ends, a school age that may end."""
    records = {
        (provider, week(n)): draw(hours)
        for provider in (1, 2, 3)
        for n in draw(st.sets(st.integers(0, 23), max_size=12))
    }
    ends = tuple(
        ProvisionEnd(provider, week(n) + timedelta(days=day), reason)
        for provider, n, day, reason in draw(
            st.lists(
                st.tuples(
                    st.integers(1, 3),
                    st.integers(0, 25),
                    st.integers(0, 4),
                    st.sampled_from(REASONS),
                ),
                max_size=4,
            )
        )
    )
    age_ends = week(draw(st.integers(0, 30))) + FRIDAY
    return History(records, ends, draw(calendars()), SchoolAge(START - 52 * WEEK, age_ends))


@given(histories(), st.integers(0, 26))
def test_rejudging_from_a_week_equals_judging_from_scratch(history: History, n: int) -> None:
    everything = history.judged()
    assert history.judged_from(week(n), everything) == everything


@given(histories(), st.data())
def test_withdrawing_a_record_then_resending_it_restores_the_same_judgements(
    history: History, data: st.DataObject
) -> None:
    if not history.records:
        return
    key = data.draw(st.sampled_from(sorted(history.records)))
    withdrawn = History(
        {k: v for k, v in history.records.items() if k != key},
        history.ends,
        history.calendar,
        history.school_age,
    )
    before = history.judged()
    # As the database does it: re-judged from the withdrawn week, then from the resent week.
    after_withdrawal = withdrawn.judged_from(key[1], before)
    assert after_withdrawal == withdrawn.judged()
    assert history.judged_from(key[1], after_withdrawal) == before


@given(histories(), st.integers(0, 23), st.integers(1, 6), st.data())
def test_ending_and_reopening_never_changes_the_weeks_before_the_end(
    history: History, last: int, gap: int, data: st.DataObject
) -> None:
    """A provider ends in week ``last`` and is back ``gap`` weeks later, with nothing between."""
    provider = 1
    records = {
        key: value
        for key, value in history.records.items()
        if key[0] != provider or not last < (key[1] - START) // WEEK < last + gap
    }
    records[provider, week(last)] = data.draw(hours)
    records[provider, week(last + gap)] = data.draw(hours)
    others = tuple(end for end in history.ends if end.provider_id != provider)
    open_ = History(records, others, history.calendar, history.school_age)
    ended = History(
        records,
        (*others, ProvisionEnd(provider, week(last) + FRIDAY, "returned_full_time")),
        history.calendar,
        history.school_age,
    )
    for n in range(last + 1):
        assert ended.status(week(n)) == open_.status(week(n))


@given(histories())
def test_on_the_register_only_while_provided_for_and_of_school_age(history: History) -> None:
    provisions = history.provisions()
    for n in range(28):
        status = history.status(week(n))
        provided = any(p.open_in(week(n)) for p in provisions)
        in_term = history.calendar.is_term_week(week(n))
        if status.on_register and in_term:
            assert provided and history.school_age.covers(week(n))
        reported = any(when == week(n) for _, when in history.records)
        if reported and in_term and provided and history.school_age.covers(week(n)):
            assert status.on_register
        if not status.on_register:
            assert (status.weeks_below, status.total_hours) == (0, None)


@given(histories())
def test_an_exit_names_a_reason_and_is_never_followed_by_another(history: History) -> None:
    rows = history.judged()
    for earlier, later in pairwise(rows):
        assert not (isinstance(earlier, RegisterExit) and isinstance(later, RegisterExit))
    for row in rows:
        if isinstance(row, RegisterExit):
            assert row.exit_reason in {*REASONS, "ceased_compulsory_school_age"}
            assert row.left_register_on < row.week_commencing


@given(histories(), st.sets(st.integers(-2, 27), min_size=1, max_size=4), st.integers(1, 3))
def test_new_weeks_extend_arrangements_as_drawing_them_again_would(
    history: History, new: set[int], provider: int
) -> None:
    """The fast path for records of new weeks, when it answers, agrees with a full redraw."""
    weeks = {week(n) for n in new} - {when for (p, when) in history.records if p == provider}
    ends = [end for end in history.ends if end.provider_id == provider]
    drawn = [a for a in history.provisions() if a.provider_id == provider]
    extended = with_new_weeks(provider, drawn, ends, weeks)
    records = [(p, when) for p, when in history.records if p == provider]
    redrawn = provision_arrangements(records + [(provider, when) for when in weeks], ends)
    if extended is not None:
        assert extended == redrawn


def test_new_weeks_extend_open_provision_and_reopen_ended_provision() -> None:
    open_ = [Provision(1, week(0), week(3))]
    assert with_new_weeks(1, open_, [], [week(4)]) == [Provision(1, week(0), week(4))]
    ended = [Provision(1, week(0), week(3), week(3), "returned_full_time")]
    assert with_new_weeks(1, ended, [], [week(6)]) == [*ended, Provision(1, week(6), week(6))]
    # A week before the first arrangement, or an end stated beyond a reopening, needs a redraw.
    assert with_new_weeks(1, open_, [], [week(-1)]) is None
    late_end = [ProvisionEnd(1, week(8), "other")]
    assert with_new_weeks(1, ended, late_end, [week(6)]) is None
