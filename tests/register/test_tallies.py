"""The register's counts kept as changes by week, and the week facts they count."""

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.register.facts import (
    PROVISION_TYPES,
    REASONS,
    RecordFacts,
    WeekFacts,
    codes,
    mask,
    week_facts,
)
from app.register.rules import WEEK, RegisterExit, SchoolCalendar, Term
from app.register.tallies import (
    BELOW_SINCE,
    COHORT,
    HOURS_BELOW,
    LEFT,
    PROVIDER,
    PROVISION_TYPE,
    REASON,
    REGISTER,
    REPORTED,
    RETURNED_FULL_TIME,
    WEEKS_TO_FULL_TIME,
    Counted,
    Tally,
    cohort_of,
    leavers,
    moved_end,
    tally_changes,
)

START = date(2026, 9, 7)


def record(provider: int = 1, **fields: object) -> RecordFacts:
    values: dict[str, object] = {
        "provider_id": provider,
        "provision_type": "alternative_provision",
        "reasons": (),
        "exclusion_type": None,
        "exclusion_start_date": None,
        "provision_start_date": None,
        "timetable_review_date": None,
        "timetable_end_date": None,
    } | fields
    return RecordFacts(**values)  # type: ignore[arg-type]


def test_a_weeks_facts_gather_every_providers_record() -> None:
    facts = week_facts(
        [
            record(1, provision_type="mainstream_school", reasons=("part_time_timetable",),
                   timetable_review_date=date(2026, 10, 5), provision_start_date=date(2026, 9, 1)),
            record(2, reasons=("medical", "part_time_timetable"), exclusion_type="suspension",
                   timetable_end_date=date(2026, 9, 28), provision_start_date=date(2026, 9, 7)),
            record(3, exclusion_type="permanent", exclusion_start_date=date(2026, 6, 1)),
        ],
        roll_keepers={1},
    )  # fmt: skip
    assert codes(facts.provision_types, PROVISION_TYPES) == [
        "mainstream_school",
        "alternative_provision",
    ]
    assert codes(facts.reasons, REASONS) == ["medical", "part_time_timetable"]
    assert (facts.provider_ids, facts.on_roll) == ((1, 2, 3), True)
    assert (facts.exclusion_type, facts.excluded_from) == ("permanent", date(2026, 6, 1))
    assert facts.provision_start_date == date(2026, 9, 1)
    assert facts.timetable_due == date(2026, 9, 28)
    assert facts.away_from_school
    school_only = week_facts([record(4, provision_type="special_school")], roll_keepers={1})
    assert not school_only.away_from_school and not school_only.on_roll


def test_masks_keep_codes_by_their_place_in_the_list() -> None:
    assert mask(["pru", "pru", "college"], PROVISION_TYPES) == (1 << 2) | (1 << 7)
    assert codes(mask(["college", "pru"], PROVISION_TYPES), PROVISION_TYPES) == ["pru", "college"]


def test_a_cohort_runs_september_to_august() -> None:
    assert cohort_of(date(2013, 8, 31)) == 2013
    assert cohort_of(date(2013, 9, 1)) == 2014


# A child's judgements: (week, below, hours, below since, types, reasons, providers), with the
# week each lasts until.
weekly_state = st.tuples(
    st.booleans(),
    st.decimals(min_value=0, max_value=40, places=2),
    st.integers(0, (1 << len(PROVISION_TYPES)) - 1),
    st.integers(0, (1 << len(REASONS)) - 1),
    st.frozensets(st.integers(1, 4), min_size=1, max_size=3),
)


@st.composite
def children(draw: st.DrawFn) -> list[list[Counted]]:
    """Judgements for a few children, each a chain whose weeks link to the next."""
    result = []
    for child in range(draw(st.integers(1, 5))):
        weeks = sorted(draw(st.sets(st.integers(0, 20), min_size=1, max_size=8)))
        ends_at = draw(st.one_of(st.none(), st.integers(weeks[-1] + 1, 25)))
        chain = []
        since: date | None = None
        for index, n in enumerate(weeks):
            below, hours, types, reasons, providers = draw(weekly_state)
            since = (since or START + n * WEEK) if below else None
            following = weeks[index + 1] if index + 1 < len(weeks) else ends_at
            chain.append(
                Counted(
                    START + n * WEEK,
                    None if following is None else START + following * WEEK,
                    below,
                    hours,
                    since,
                    2010 + child,
                    WeekFacts(
                        types, reasons, tuple(sorted(providers)), False, None, None, None, None
                    ),
                )
            )
        result.append(chain)
    return result


def counted_directly(judgements: list[list[Counted]], as_at: date) -> Counter[tuple[str, str]]:
    """Children by measure as at a week, counted from each child's judgement that week."""
    counts: Counter[tuple[str, str]] = Counter()
    for chain in judgements:
        state = [
            j for j in chain if j.week_commencing <= as_at and (j.next_week or date.max) > as_at
        ]
        for judgement in state:
            counts[REGISTER, ""] += 1
            counts[COHORT, str(judgement.cohort)] += 1
            for code in codes(judgement.facts.provision_types, PROVISION_TYPES):
                counts[PROVISION_TYPE, code] += 1
            for code in codes(judgement.facts.reasons, REASONS):
                counts[REASON, code] += 1
            for provider_id in judgement.facts.provider_ids:
                counts[PROVIDER, str(provider_id)] += 1
            if judgement.below_threshold and judgement.below_since:
                counts[BELOW_SINCE, judgement.below_since.isoformat()] += 1
                counts[HOURS_BELOW, f"{judgement.total_hours:.2f}"] += 1
            if judgement.week_commencing == as_at:
                counts[REPORTED, ""] += 1
    return counts


def summed(changes: dict[tuple[date, str, str], Tally], as_at: date) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for (week, measure, key), change in changes.items():
        if week <= as_at:
            counts[measure, key] += change.children
    return +counts


@given(children(), st.integers(0, 26))
def test_the_changes_up_to_a_week_count_the_children_as_at_that_week(
    judgements: list[list[Counted]], n: int
) -> None:
    as_at = START + n * WEEK
    changes = tally_changes([], [j for chain in judgements for j in chain])
    expected = counted_directly(judgements, as_at)
    assert summed(changes, as_at) == expected
    register = sum(
        (change for (week, measure, _), change in changes.items()
         if week <= as_at and measure == REGISTER),
        Tally(0, 0, Decimal(0)),
    )  # fmt: skip
    state = [j for chain in judgements for j in chain
             if j.week_commencing <= as_at and (j.next_week or date.max) > as_at]  # fmt: skip
    assert register.below == sum(j.below_threshold for j in state)
    assert register.below_hours == sum(j.total_hours for j in state if j.below_threshold)


@given(children(), children())
def test_replacing_judgements_changes_the_counts_as_counting_again_would(
    old: list[list[Counted]], new: list[list[Counted]]
) -> None:
    before = [j for chain in old for j in chain]
    after = [j for chain in new for j in chain]
    updated = Counter[tuple[date, str, str]]()
    for key, change in {**tally_changes([], before)}.items():
        updated[key] += change.children
    for key, change in tally_changes(before, after).items():
        updated[key] += change.children
    fresh = Counter({key: change.children for key, change in tally_changes([], after).items()})
    assert +updated == +fresh


def test_unreported_weeks_are_not_reported() -> None:
    facts = WeekFacts(1, 0, (1,), False, None, None, None, None)
    judgement = Counted(START, START + 3 * WEEK, False, Decimal(30), None, 2012, facts)
    changes = tally_changes([], [judgement])
    assert summed(changes, START + WEEK) == Counter({(REGISTER, ""): 1, (COHORT, "2012"): 1,
        (PROVISION_TYPE, "mainstream_school"): 1, (PROVIDER, "1"): 1})  # fmt: skip
    assert summed(changes, START)[REPORTED, ""] == 1
    assert summed(changes, START + 3 * WEEK) == Counter()


@given(children(), st.data())
def test_moving_a_judgements_end_changes_only_the_weeks_between(
    judgements: list[list[Counted]], data: st.DataObject
) -> None:
    judgement = data.draw(st.sampled_from([j for chain in judgements for j in chain]))
    end = data.draw(st.one_of(st.none(), st.integers(1, 30).map(lambda n: START + n * WEEK)))
    if end is not None and end <= judgement.week_commencing:
        return
    moved = replace(judgement, next_week=end)
    assert tally_changes(*moved_end(judgement, end)) == tally_changes([judgement], [moved])


# Two academic years and the summer between, with a holiday that puts a July end's exit week in
# September.
LEAVING_CALENDAR = SchoolCalendar(
    terms=(Term(date(2026, 4, 13), date(2026, 7, 22)), Term(date(2026, 9, 7), date(2026, 12, 18)))
)
weeks_from_june = st.integers(-16, 60).map(lambda n: START + n * WEEK)


@st.composite
def exits(draw: st.DrawFn) -> list[RegisterExit]:
    """A child's exits in week order, each dated up to five weeks before its exit week."""
    weeks = sorted(draw(st.sets(weeks_from_june, max_size=4)))
    return [
        RegisterExit(
            week,
            week - timedelta(days=draw(st.integers(1, 35))),
            draw(st.sampled_from([RETURNED_FULL_TIME, "moved_out_of_area"])),
            week - draw(st.integers(1, 20)) * WEEK,
        )
        for week in weeks
    ]


def leavers_directly(children: list[list[RegisterExit]], as_at: date) -> Counter[tuple[str, str]]:
    """Who left from 1 September of the week's academic year to the week, each child by their
    latest exit up to the week."""
    starts = date(as_at.year if as_at.month >= 9 else as_at.year - 1, 9, 1)
    counts: Counter[tuple[str, str]] = Counter()
    for child in children:
        latest = [e for e in child if e.week_commencing <= as_at][-1:]
        for left in latest:
            if starts <= left.left_register_on <= as_at:
                counts[LEFT, left.exit_reason] += 1
                if left.exit_reason == RETURNED_FULL_TIME:
                    weeks = LEAVING_CALENDAR.term_weeks(
                        left.on_register_since, left.week_commencing
                    )
                    counts[WEEKS_TO_FULL_TIME, str(weeks - 1)] += 1
    return counts


@given(st.lists(exits(), max_size=5), weeks_from_june)
def test_exits_summed_to_a_week_count_that_years_leavers_once_by_their_latest_exit(
    children: list[list[RegisterExit]], as_at: date
) -> None:
    changes = tally_changes(
        [], [each for child in children for each in leavers(child, LEAVING_CALENDAR)]
    )
    assert summed(changes, as_at) == leavers_directly(children, as_at)


def test_a_july_leaver_whose_exit_week_is_in_september_counts_in_neither_year() -> None:
    left = RegisterExit(date(2026, 9, 7), date(2026, 7, 17), RETURNED_FULL_TIME, date(2026, 6, 1))
    assert tally_changes([], leavers([left], LEAVING_CALENDAR)) == {}
