"""The counts dashboards read, kept as changes by week.

A judgement counts its child from its own week until the week of the child's next register
week (or for good), under every measure its week's facts put it in. Keeping each count as
changes by week (+1 where a child's state begins, -1 where it ends) makes a count as at any
week the sum of the changes up to that week: a summary costs the same for a thousand children
as for a million, and a write changes only the counts of the weeks it touches.

An exit counts its child among the academic year's leavers the same way, from its week until
the child's next exit or the academic year's end, whichever comes first.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app.register.facts import PROVISION_TYPES, REASONS, WeekFacts, codes
from app.register.rules import WEEK, RegisterExit, SchoolCalendar, monday_of

# What is counted: children on the register; whose return is for the week itself (to tell the
# unreported); by provision type, reason, provider and birth cohort; the below-threshold runs
# by their start; and the hours of those below, for the median.
REGISTER = "register"
REPORTED = "reported"
PROVISION_TYPE = "provision_type"
REASON = "reason"
PROVIDER = "provider"
COHORT = "cohort"
BELOW_SINCE = "below_since"
HOURS_BELOW = "hours_below"
# This academic year's leavers: by exit reason, and those who returned to full time by the term
# weeks they were on the register before.
LEFT = "left"
WEEKS_TO_FULL_TIME = "weeks_to_full_time"
RETURNED_FULL_TIME = "returned_full_time"

TallyKey = tuple[date, str, str]  # week, measure, key


@dataclass(frozen=True)
class Counted:
    """A judgement as the counts see it: how long its state lasts, and what it counts under.
    Not ``reported`` for a stretch of a longer state (the return was for its first week)."""

    week_commencing: date
    next_week: date | None
    below_threshold: bool
    total_hours: Decimal
    below_since: date | None
    cohort: int
    facts: WeekFacts
    reported: bool = True


@dataclass(frozen=True)
class Leaver:
    """An exit as the counts see it: when the child left, why, and (returned to full time) the
    term weeks they were on the register before; ``next_exit`` is the child's next exit week."""

    week_commencing: date
    next_exit: date | None
    exit_reason: str
    left_register_on: date
    weeks_to_full_time: int | None

    @property
    def counted_until(self) -> date:
        """The week it stops counting: the child's next exit (they count once, by their latest)
        or the first week of the next academic year (1 September on), whichever comes first."""
        september = date(self.left_register_on.year + (self.left_register_on.month >= 9), 9, 1)
        year_ends = monday_of(september + timedelta(days=6))
        return year_ends if self.next_exit is None else min(self.next_exit, year_ends)


def leaver(register_exit: RegisterExit, next_exit: date | None, calendar: SchoolCalendar) -> Leaver:
    """An exit, followed by the child's next exit in ``next_exit``, as the counts see it."""
    weeks = None
    if register_exit.exit_reason == RETURNED_FULL_TIME:
        # Term weeks on the register: from the first judgement to the last before the exit.
        weeks = (
            calendar.term_weeks(register_exit.on_register_since, register_exit.week_commencing) - 1
        )
    return Leaver(
        register_exit.week_commencing,
        next_exit,
        register_exit.exit_reason,
        register_exit.left_register_on,
        weeks,
    )


def leavers(exits: Sequence[RegisterExit], calendar: SchoolCalendar) -> list[Leaver]:
    """A child's exits in week order, with none after them, as the counts see them."""
    following: list[date | None] = [*(later.week_commencing for later in exits[1:]), None]
    return [
        leaver(register_exit, next_exit, calendar)
        for register_exit, next_exit in zip(exits, following[: len(exits)], strict=True)
    ]


@dataclass(frozen=True)
class Tally:
    """A change (or, summed, a count): children, of them below threshold, and their hours."""

    children: int
    below: int
    below_hours: Decimal

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            self.children + other.children,
            self.below + other.below,
            self.below_hours + other.below_hours,
        )

    def __neg__(self) -> "Tally":
        return Tally(-self.children, -self.below, -self.below_hours)

    def __bool__(self) -> bool:
        return bool(self.children or self.below or self.below_hours)


ZERO = Decimal(0)
NOTHING = Tally(0, 0, ZERO)


def cohort_of(date_of_birth: date) -> int:
    """The calendar year a child's school cohort (September to August births) ends in."""
    return date_of_birth.year + (date_of_birth.month >= 9)


def tally_changes(
    before: Iterable[Counted | Leaver], after: Iterable[Counted | Leaver]
) -> dict[TallyKey, Tally]:
    """The changes to the counts when the judgements (and exits) ``before`` are replaced by
    ``after``."""
    sums: dict[TallyKey, list[Any]] = {}

    def add(key: TallyKey, children: int, below: int, hours: Decimal) -> None:
        entry = sums.get(key)
        if entry is None:
            sums[key] = [children, below, hours]
        else:
            entry[0] += children
            entry[1] += below
            entry[2] += hours

    for sign, judgements in ((-1, before), (1, after)):
        for judgement in judgements:
            if isinstance(judgement, Leaver):
                left, until = judgement.week_commencing, judgement.counted_until
                if left < until:
                    for measure, key in _leaver_measures(judgement):
                        add((left, measure, key), sign, 0, ZERO)
                        add((until, measure, key), -sign, 0, ZERO)
                continue
            below = sign if judgement.below_threshold else 0
            hours = sign * judgement.total_hours if judgement.below_threshold else ZERO
            start, end = judgement.week_commencing, judgement.next_week
            for measure, key in _measures(judgement):
                add((start, measure, key), sign, below, hours)
                if end is not None:
                    add((end, measure, key), -sign, -below, -hours)
            if judgement.reported:
                add((start, REPORTED, ""), sign, below, hours)
                add((start + WEEK, REPORTED, ""), -sign, -below, -hours)
    return {key: Tally(*entry) for key, entry in sums.items() if any(entry)}


def moved_end(judgement: Counted, next_week: date | None) -> tuple[list[Counted], list[Counted]]:
    """What a judgement stops and starts counting for when its state ends at ``next_week``
    instead: only the weeks between the two ends change (``tally_changes`` of the result)."""
    old = judgement.next_week
    if old == next_week:
        return [], []
    if old is None or (next_week is not None and next_week < old):
        assert next_week is not None
        return [replace(judgement, week_commencing=next_week, next_week=old, reported=False)], []
    return [], [replace(judgement, week_commencing=old, next_week=next_week, reported=False)]


def _leaver_measures(leaving: Leaver) -> Iterator[tuple[str, str]]:
    yield LEFT, leaving.exit_reason
    if leaving.weeks_to_full_time is not None:
        yield WEEKS_TO_FULL_TIME, str(leaving.weeks_to_full_time)


def _measures(judgement: Counted) -> Iterator[tuple[str, str]]:
    facts = judgement.facts
    yield REGISTER, ""
    yield COHORT, str(judgement.cohort)
    yield from ((PROVISION_TYPE, code) for code in codes(facts.provision_types, PROVISION_TYPES))
    yield from ((REASON, code) for code in codes(facts.reasons, REASONS))
    yield from ((PROVIDER, str(provider_id)) for provider_id in facts.provider_ids)
    if judgement.below_threshold:
        assert judgement.below_since is not None
        yield BELOW_SINCE, judgement.below_since.isoformat()
        yield HOURS_BELOW, f"{judgement.total_hours:.2f}"
