"""What a reported week's records say besides hours, kept on the week's judgement.

Breakdowns, alerts and the inspection extract read one row per child instead of every record
of the week their status rests on. Codes are held as bit masks in the order the API lists
them; codes are only ever appended (the contract renames none), so a stored mask keeps its
meaning.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.vocabulary import ProvisionType, Reason

PROVISION_TYPES = tuple(ProvisionType)
REASONS = tuple(Reason)
# Provision that is a school's own: the extract lists a child even at full time otherwise.
SCHOOL_PROVISION = (ProvisionType.mainstream_school, ProvisionType.special_school)


def mask(codes: Iterable[str], universe: Sequence[str]) -> int:
    """The codes as bits: bit i is ``universe[i]``."""
    return sum(1 << universe.index(code) for code in set(codes))


def codes(bits: int, universe: Sequence[str]) -> list[str]:
    """The codes a mask holds, in the universe's order."""
    return [str(code) for index, code in enumerate(universe) if bits >> index & 1]


SCHOOL_MASK = mask(SCHOOL_PROVISION, PROVISION_TYPES)


@dataclass(frozen=True)
class RecordFacts:
    """One provider's record for the week, as far as the facts go."""

    provider_id: int
    provision_type: str
    reasons: Sequence[str]
    exclusion_type: str | None
    exclusion_start_date: date | None
    provision_start_date: date | None
    timetable_review_date: date | None
    timetable_end_date: date | None


@dataclass(frozen=True)
class WeekFacts:
    provision_types: int
    reasons: int
    provider_ids: tuple[int, ...]
    on_roll: bool
    exclusion_type: str | None
    excluded_from: date | None
    provision_start_date: date | None
    timetable_due: date | None

    @property
    def away_from_school(self) -> bool:
        """Some provision other than a school's own (alternative provision, in the wide sense)."""
        return bool(self.provision_types & ~SCHOOL_MASK)


def week_facts(records: Sequence[RecordFacts], *, roll_keepers: Collection[int]) -> WeekFacts:
    """The facts of one reported week from its records; ``roll_keepers`` are the providers
    that keep an admission register (schools and PRUs)."""
    exclusions = {r.exclusion_type for r in records if r.exclusion_type}
    permanent = [
        r.exclusion_start_date
        for r in records
        if r.exclusion_type == "permanent" and r.exclusion_start_date
    ]
    return WeekFacts(
        provision_types=mask((r.provision_type for r in records), PROVISION_TYPES),
        reasons=mask((reason for r in records for reason in r.reasons), REASONS),
        provider_ids=tuple(sorted({r.provider_id for r in records})),
        on_roll=any(r.provider_id in roll_keepers for r in records),
        exclusion_type="permanent" if "permanent" in exclusions else next(iter(exclusions), None),
        excluded_from=min(permanent, default=None),
        provision_start_date=min(
            (r.provision_start_date for r in records if r.provision_start_date), default=None
        ),
        timetable_due=min(
            (
                day
                for r in records
                for day in (r.timetable_review_date, r.timetable_end_date)
                if day is not None
            ),
            default=None,
        ),
    )
