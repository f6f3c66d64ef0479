"""A synthetic local authority: seeded, deterministic children, providers, terms and returns.

Used by ``make run DEMO=1`` and by the benchmarks. ``generate_la`` builds the LA's providers,
calendar and children; ``SyntheticLA.records()`` streams the weekly provision records exactly
as an MIS would POST them (about 7 million for the benchmarks' 100,000 children over two years,
never all held in memory).
Every random choice comes from ``random.Random`` seeded from ``seed``: same seed, same data.
"""

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from stdnum.gb import upn as stdnum_upn

from app.auth.schemas import Principal, Role
from app.config import Settings
from app.inputs import today as today_in_england
from app.models import ClosureDay, Person, Provider, Pupil, Term
from app.people.schemas import PersonCreate
from app.people.service import create_person
from app.provision.schemas import ProvisionRecordIn
from app.provision.service import ingest
from app.pupils.upn import check_letter
from app.pupils.upn_changes import change_upn
from app.register.rules import WEEK, SchoolCalendar, compulsory_school_age, monday_of
from app.register.rules import Term as TermDates
from app.register.service import load_calendar
from app.returns.service import record_nil_return, returns_for

DEMO_CHILDREN = 400
DEMO_PROVIDERS = 24
DEMO_WEEKS = 40
BATCH_SIZE = 1000
NIL_RETURN_WEEKS = 4
# The check letter's alphabet without I, O and S: the last character of a temporary UPN.
TEMPORARY_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class ProviderSpec:
    """A provider as the LA would register it (kind from the contract's provider kinds)."""

    name: str
    kind: str
    urn: str | None


@dataclass(frozen=True, slots=True)
class _Placement:
    """One provider's part in a child's week: hours in a full week, growing at each review."""

    provider_index: int
    provision_type: str
    hours: float
    step: float
    cap: float


@dataclass(frozen=True, slots=True)
class _Child:
    upn: str
    date_of_birth: str
    first_week: int  # index into the term weeks
    end_week: int  # exclusive
    reasons: tuple[str, ...]
    exclusion_type: str | None
    excluded_from: str | None
    provision_start: date
    timetable_weeks: int | None  # a part-time timetable agreed for this many weeks
    placements: tuple[_Placement, ...]
    gap_start: int | None  # three term weeks with no return from anyone
    end_reason: str | None  # every provision ends in the last week, for this reason


@dataclass(frozen=True)
class SyntheticLA:
    """A generated LA: its providers, school calendar and children, and their weekly returns."""

    seed: int
    first_week: date
    weeks: int
    providers: list[ProviderSpec]
    terms: list[tuple[str, date, date]]
    closures: list[tuple[date, str]]
    _children: tuple[_Child, ...] = field(repr=False)

    @property
    def calendar(self) -> SchoolCalendar:
        """The LA's calendar as the register's pure core sees it."""
        return SchoolCalendar(
            terms=tuple(TermDates(start, end) for _, start, end in self.terms),
            closures=frozenset(day for day, _ in self.closures),
        )

    def term_weeks(self) -> list[date]:
        """The Mondays of the generated weeks that have at least one school day."""
        calendar = self.calendar
        mondays = (self.first_week + n * WEEK for n in range(self.weeks))
        return [monday for monday in mondays if calendar.is_term_week(monday)]

    @property
    def children(self) -> int:
        """How many children were generated (a few may never have a record)."""
        return len(self._children)

    def pupils(self) -> list[tuple[str, str]]:
        """Every child's UPN and date of birth (as sent in records), in generation order."""
        return [(child.upn, child.date_of_birth) for child in self._children]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every provision record, week by week, as a client would POST it (plus
        ``provider_index``, an index into ``providers`` the caller maps to a provider_id)."""
        calendar = self.calendar
        for index, monday in enumerate(self.term_weeks()):
            # One generator per week, so any week's returns are the same however they are read.
            rng = random.Random(self.seed * 100_003 + index)  # noqa: S311 - synthetic data
            days = calendar.school_days(monday)
            week = monday.isoformat()
            for child in self._children:
                if child.first_week <= index < child.end_week:
                    yield from _returns(child, index, monday, week, days, rng)


def _returns(
    child: _Child, index: int, monday: date, week: str, days: int, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """One child's records for one term week (none when the week goes unreported)."""
    # The last week of provision that ends is always reported, by every provider.
    last = child.end_reason is not None and index == child.end_week - 1
    unreported = rng.random() < 0.025 and not last
    if unreported or (child.gap_start is not None and 0 <= index - child.gap_start < 3):
        return
    reviews_passed = (index - child.first_week) // 6
    review_date = end_date = agreed_on = None
    if child.timetable_weeks is not None:
        since_start = max(0, (monday - child.provision_start).days // 7)
        review_date = (child.provision_start + WEEK * (6 * (since_start // 6 + 1))).isoformat()
        end_date = (child.provision_start + WEEK * child.timetable_weeks).isoformat()
        # Most timetables were agreed with a parent on the Friday before the week they began;
        # about one in eight has no agreement recorded (a warning, and a question to ask).
        if int(child.upn[-3:-1], 36) % 8:
            agreed_on = (monday_of(child.provision_start) - timedelta(days=3)).isoformat()
    ends: dict[str, str | None] = {"provision_end_date": None, "end_reason": None}
    if last:
        friday = monday + timedelta(days=4)
        ends = {"provision_end_date": friday.isoformat(), "end_reason": child.end_reason}
    for n, placement in enumerate(child.placements):
        if n > 0 and rng.random() < 0.03 and not last:
            continue  # a second provider that missed its return this week
        full_week = min(placement.cap, placement.hours + placement.step * reviews_passed)
        hours = full_week * days / 5
        if rng.random() < 0.15:
            hours += rng.choice((-1.0, -0.5, 0.5, 1.0))
        hours = min(60.0, max(0.0, round(hours * 2) / 2))
        attended = None
        if rng.random() < 0.7:
            attended = round(hours * (0.55 + 0.45 * rng.random()) * 4) / 4
        yield {
            "upn": child.upn,
            "date_of_birth": child.date_of_birth,
            "week_commencing": week,
            "hours": hours,
            "provision_type": placement.provision_type,
            "reasons": list(child.reasons),
            "exclusion_type": child.exclusion_type,
            "exclusion_start_date": child.excluded_from,
            "provision_start_date": child.provision_start.isoformat(),
            "timetable_review_date": review_date,
            "timetable_end_date": end_date,
            "parent_agreed_on": agreed_on,
            "hours_attended": min(attended, hours) if attended is not None else None,
            "provider_index": placement.provider_index,
            **ends,
        }


def generate_la(
    *,
    seed: int = 2026,
    children: int = 400,
    providers: int = 24,
    first_week: date = date(2025, 9, 1),
    weeks: int = 40,
) -> SyntheticLA:
    """A synthetic LA with ``children`` children over ``weeks`` weeks from ``first_week``."""
    if first_week.weekday() != 0:
        raise ValueError(f"first_week must be a Monday; {first_week} is a {first_week:%A}")
    if children < 1 or providers < 1 or weeks < 1:
        raise ValueError("children, providers and weeks must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    provider_specs = _providers(rng, providers)
    last_day = first_week + WEEK * weeks - timedelta(days=1)
    terms, closures = _calendar(first_week, last_day)
    calendar = SchoolCalendar(
        terms=tuple(TermDates(start, end) for _, start, end in terms),
        closures=frozenset(day for day, _ in closures),
    )
    mondays = [first_week + n * WEEK for n in range(weeks)]
    term_weeks = [monday for monday in mondays if calendar.is_term_week(monday)]
    if not term_weeks:
        raise ValueError("the weeks hold no term week")
    pick = _ProviderPicker(rng, provider_specs)
    seen: set[str] = set()
    profiles = tuple(_child(rng, pick, term_weeks, seen) for _ in range(children))
    return SyntheticLA(
        seed=seed,
        first_week=first_week,
        weeks=weeks,
        providers=provider_specs,
        terms=terms,
        closures=closures,
        _children=profiles,
    )


# --- Providers ---------------------------------------------------------------------------

PLACES = (
    "Oakfield", "Redland", "Hartcliffe", "Bishopsworth", "Fishponds", "Easton", "Southmead",
    "Brislington", "Henleaze", "Knowle", "Lawrence Hill", "Stockwood", "Withywood", "Horfield",
    "Bedminster", "Clifton", "Lockleaze", "Hengrove", "Avonmouth", "Westbury", "Filton",
    "Kingswood", "Totterdown", "Ashton Vale", "St Pauls", "Montpelier", "Whitchurch", "Henbury",
)  # fmt: skip
# (kind, share of providers, name patterns); the first provider of each kind comes first.
KINDS = (
    ("school", 0.45, ("{} Primary School", "{} Academy", "{} Community School",
                      "{} Special School", "{} Secondary School")),
    ("ap", 0.17, ("{} Alternative Provision", "{} Skills Centre", "{} Boxing Academy")),
    ("pru", 0.06, ("{} Pupil Referral Unit", "{} Learning Centre")),
    ("tuition", 0.07, ("{} Home and Medical Tuition Service", "{} Tutors")),
    ("hospital", 0.05, ("{} Hospital Education Service",)),
    ("college", 0.07, ("City of {} College", "{} Vocational College")),
    ("yos", 0.04, ("{} Youth Offending Service",)),
    ("custody", 0.04, ("{} Secure Children's Home",)),
    ("other", 0.05, ("{} Online School", "{} Traveller Education Service")),
)  # fmt: skip
# Kinds that usually have a URN (registered schools and establishments).
KINDS_WITH_URN = frozenset({"school", "pru", "hospital"})


def _providers(rng: random.Random, count: int) -> list[ProviderSpec]:
    per_kind = dict.fromkeys((kind for kind, _, _ in KINDS), 0)
    for kind, _, _ in KINDS[:count]:
        per_kind[kind] = 1
    spare = count - sum(per_kind.values())
    shares = [(kind, share * spare) for kind, share, _ in KINDS]
    for kind, amount in shares:
        per_kind[kind] += int(amount)
    by_remainder = sorted(shares, key=lambda item: item[1] - int(item[1]), reverse=True)
    for kind, _ in by_remainder[: count - sum(per_kind.values())]:
        per_kind[kind] += 1
    urns = iter(rng.sample(range(100_000, 150_000), count))
    places = list(PLACES)
    names: set[str] = set()
    specs = []
    for kind, _, patterns in KINDS:
        rng.shuffle(places)
        for n in range(per_kind[kind]):
            name = patterns[n % len(patterns)].format(places[n % len(places)])
            if name in names:
                name = f"{name} {n // len(places) + 1}"
            names.add(name)
            urn = str(next(urns)) if kind in KINDS_WITH_URN or rng.random() < 0.4 else None
            specs.append(ProviderSpec(name=name, kind=kind, urn=urn))
    return specs


class _ProviderPicker:
    """Chooses a provider of a kind; some providers are much bigger than others."""

    FALLBACK = ("school", "ap", "pru", "tuition", "other", "hospital", "college", "yos")

    def __init__(self, rng: random.Random, specs: Sequence[ProviderSpec]) -> None:
        self.rng = rng
        self.by_kind: dict[str, list[int]] = {}
        for index, spec in enumerate(specs):
            if spec.kind == "school":
                special = spec.name.endswith("Special School")
                self.by_kind.setdefault("special" if special else "mainstream", []).append(index)
            self.by_kind.setdefault(spec.kind, []).append(index)
        self.weights = {
            kind: [1 / (rank + 1) ** 0.7 for rank in range(len(indices))]
            for kind, indices in self.by_kind.items()
        }

    def __call__(self, kind: str) -> int:
        for candidate in (kind, *self.FALLBACK):
            if candidate in self.by_kind:
                indices = self.by_kind[candidate]
                return self.rng.choices(indices, self.weights[candidate])[0]
        return 0


# --- Calendar ------------------------------------------------------------------------------


def _calendar(
    first_day: date, last_day: date
) -> tuple[list[tuple[str, date, date]], list[tuple[date, str]]]:
    """Half-terms of every academic year the days touch, with INSET days and bank holidays."""
    terms: list[tuple[str, date, date]] = []
    closures: list[tuple[date, str]] = []
    for year in range(_academic_year(first_day), _academic_year(last_day) + 1):
        year_terms, year_closures = _academic_year_calendar(year)
        terms += year_terms
        closures += year_closures
    return terms, closures


def _academic_year(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def _academic_year_calendar(
    year: int,
) -> tuple[list[tuple[str, date, date]], list[tuple[date, str]]]:
    """An English school year from September ``year``: six half-terms, holidays between."""
    start = date(year, 9, 1)
    if start.weekday() >= 3:  # a Thursday to Sunday 1 September: term starts the next Monday
        start += timedelta(days=7 - start.weekday())
    october_half_term = _last_monday(year, 10)
    spring_start = _monday_on_or_after(date(year + 1, 1, 4))
    february_half_term = _monday_on_or_after(date(year + 1, 2, 15))
    easter = _easter(year + 1)
    holy_week = easter - timedelta(days=6)
    may_half_term = _last_monday(year + 1, 5)
    summer_end = date(year + 1, 7, 22)
    while summer_end.weekday() >= 5:
        summer_end -= timedelta(days=1)
    label = f"{year}/{str(year + 1)[2:]}"
    friday = timedelta(days=3)  # from a Monday back to the Friday before
    terms = [
        (f"Autumn 1 {label}", start, october_half_term - friday),
        (f"Autumn 2 {label}", october_half_term + WEEK, spring_start - WEEK - WEEK - friday),
        (f"Spring 1 {label}", spring_start, february_half_term - friday),
        (f"Spring 2 {label}", february_half_term + WEEK, holy_week - friday),
        (f"Summer 1 {label}", holy_week + WEEK + WEEK, may_half_term - friday),
        (f"Summer 2 {label}", may_half_term + WEEK, summer_end),
    ]
    closures = [
        (start, "INSET day"),
        (october_half_term - friday, "INSET day"),
        (spring_start, "INSET day"),
        (_monday_on_or_after(date(year + 1, 5, 1)), "Early May bank holiday"),
        (may_half_term + WEEK, "INSET day"),
    ]
    return terms, closures


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def _last_monday(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return monday_of(first_of_next - timedelta(days=1))


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    n = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * n) // 451
    month, day = divmod(h + n - 7 * m + 114, 31)
    return date(year, month, day + 1)


# --- Children ------------------------------------------------------------------------------

# UPNs travel with the child: mostly this LA's (801), some from elsewhere in England and Wales.
HOME_LA = 801
OTHER_LAS = (803, 802, 330, 202, 873, 838, 839, 940, 941, 660, 672, 681)
# Why provision that is not a part-time timetable ends before the generated weeks do.
LEAVING_REASONS_WEIGHTS = (
    ("returned_full_time", 40),
    ("moved_to_other_provision", 20),
    ("moved_out_of_area", 20),
    ("elective_home_education", 8),
    ("removed_from_roll", 6),
    ("whereabouts_unknown", 4),
    ("other", 2),
)
LEAVING_REASONS = tuple(reason for reason, _ in LEAVING_REASONS_WEIGHTS)
# Year group at the start of the child's time on the register: mostly secondary age.
YEAR_GROUP_WEIGHTS = (0, 3, 3, 4, 4, 5, 6, 9, 12, 15, 19, 20)


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A kind of arrangement: who provides what, why, and for how long."""

    name: str
    weight: float
    reasons: tuple[tuple[str, ...], ...]
    exclusion_type: str | None = None
    timetable: float = 0.0  # chance the arrangement is a part-time timetable
    short: bool = False  # lasts days or weeks, not terms


PATTERNS = (
    _Pattern(
        "part_time_timetable",
        22,
        (("part_time_timetable",), ("part_time_timetable", "mental_health"), ("reintegration",)),
        timetable=0.9,
    ),
    _Pattern(
        "school_and_ap",
        11,
        (("part_time_timetable", "reintegration"), ("suspension",), ("no_suitable_place",)),
        timetable=0.5,
    ),
    _Pattern("school_and_college", 6, (("other",), ("part_time_timetable",))),
    _Pattern("permanently_excluded", 12, (("permanent_exclusion",),), exclusion_type="permanent"),
    _Pattern("medical", 10, (("medical",), ("mental_health",), ("medical", "mental_health"))),
    _Pattern(
        "tuition",
        8,
        (
            ("awaiting_school_place",),
            ("new_to_country", "awaiting_school_place"),
            ("no_suitable_place",),
            ("medical",),
        ),
    ),
    _Pattern("ap_full_time", 12, (("no_suitable_place",), ("permanent_exclusion",))),
    _Pattern("custody", 2, (("custody",),)),
    _Pattern("special_school", 4, (("medical",), ("no_suitable_place",))),
    _Pattern("suspended", 4, (("suspension",),), exclusion_type="suspension", short=True),
    _Pattern("online_and_tuition", 4, (("mental_health",), ("medical",))),
    _Pattern(
        "other",
        2,
        (("gypsy_roma_traveller",), ("elective_home_education",), ("pregnancy_or_young_parent",)),
    ),
)


def _placements(
    rng: random.Random, pick: _ProviderPicker, pattern: str, year_group: int
) -> tuple[_Placement, ...]:
    """Who provides the child's education, and how many hours in a full week."""

    def place(kind: str, provision_type: str, hours: float, step: float = 0.0) -> _Placement:
        return _Placement(pick(kind), provision_type, hours, step, cap=60.0)

    def part_time() -> float:
        return float(rng.choice((5, 7.5, 10, 10, 12.5, 15, 15, 17.5, 20)))

    if pattern == "school_and_college" and year_group < 10:
        pattern = "school_and_ap"
    if pattern == "part_time_timetable":
        # Reviewed every six weeks; some build back to full time, some stall.
        step = rng.choice((0.0, 2.5, 2.5, 5.0))
        cap = rng.choice((20.0, 25.0, 25.0, 27.5))
        timetable = _Placement(pick("mainstream"), "mainstream_school", part_time(), step, cap)
        return (timetable,)
    if pattern == "school_and_ap":
        mornings = rng.choice((10.0, 12.5, 12.5, 15.0))
        return (
            place("mainstream", "mainstream_school", mornings),
            place("ap", "alternative_provision", rng.choice((5.0, 7.5, 10.0, 12.5))),
        )
    if pattern == "school_and_college":
        return (
            place("mainstream", "mainstream_school", rng.choice((12.5, 15.0, 17.5))),
            place("college", "college", rng.choice((6.0, 9.0, 12.0))),
        )
    if pattern == "permanently_excluded":
        unit = place("pru", "pru", rng.choice((25.0, 25.0, 15.0, 20.0, 10.0)))
        if rng.random() < 0.3:
            extra = rng.choice((("tuition", "home_tuition"), ("other", "online_learning")))
            return unit, place(extra[0], extra[1], rng.choice((3.0, 5.0, 6.0)))
        return (unit,)
    if pattern == "medical":
        hospital = place("hospital", "hospital_education", rng.choice((5.0, 7.5, 10.0, 15.0)))
        if rng.random() < 0.35:
            return hospital, place("other", "online_learning", rng.choice((3.0, 5.0, 7.5)))
        return (hospital,)
    if pattern == "tuition":
        return (place("tuition", "home_tuition", rng.choice((5.0, 5.0, 7.5, 10.0))),)
    if pattern == "ap_full_time":
        if rng.random() < 0.3:
            return (
                place("ap", "alternative_provision", 20.0),
                place("college", "college", rng.choice((6.0, 7.5))),
            )
        return (place("ap", "alternative_provision", rng.choice((25.0, 25.0, 27.5, 30.0))),)
    if pattern == "custody":
        secure = place("custody", "custody_education", rng.choice((15.0, 20.0, 25.0, 27.5)))
        if rng.random() < 0.4:
            return secure, place("yos", "yos_programme", rng.choice((3.0, 4.5, 6.0)))
        return (secure,)
    if pattern == "special_school":
        return (place("special", "special_school", rng.choice((10.0, 12.5, 15.0, 20.0))),)
    if pattern == "suspended":
        return (place("ap", "alternative_provision", rng.choice((12.5, 15.0, 25.0))),)
    if pattern == "online_and_tuition":
        return (
            place("other", "online_learning", rng.choice((10.0, 12.5, 15.0))),
            place("tuition", "home_tuition", 5.0),
        )
    return (place("other", "other", rng.choice((5.0, 10.0, 15.0))),)


def _child(
    rng: random.Random, pick: _ProviderPicker, term_weeks: Sequence[date], seen: set[str]
) -> _Child:
    total = len(term_weeks)
    first = 0 if rng.random() < 0.8 else rng.randrange(total)
    pattern = rng.choices(PATTERNS, [p.weight for p in PATTERNS])[0]
    timetable_weeks = rng.choice((6, 6, 8, 8, 12)) if rng.random() < pattern.timetable else None
    end_reason = None
    if pattern.short:
        length, end_reason = rng.randint(1, 3), "returned_full_time"
    elif timetable_weeks and rng.random() < 0.8:
        # Most part-time timetables end within a term, a few weeks after their agreed end.
        length, end_reason = timetable_weeks + rng.randint(0, 6), "returned_full_time"
    elif rng.random() < 0.85:
        length = total
    else:
        length = rng.randint(6, max(6, total))
        end_reason = rng.choices(LEAVING_REASONS, [w for _, w in LEAVING_REASONS_WEIGHTS])[0]
    start_day = term_weeks[first]
    year_group = rng.choices(range(len(YEAR_GROUP_WEIGHTS)), YEAR_GROUP_WEIGHTS)[0]
    # Born between 1 September and 31 August of the cohort's year.
    start_year = _academic_year(start_day)
    born_from = date(start_year - 5 - year_group, 9, 1)
    date_of_birth = born_from + timedelta(days=rng.randrange(365))
    while compulsory_school_age(date_of_birth).ends < start_day:
        date_of_birth += timedelta(days=365)  # a summer starter in Year 11: a year younger
    # Year 11s are not reported after compulsory school age ends on the last Friday of June;
    # the register sees them leave by itself.
    school_age_ends = compulsory_school_age(date_of_birth).ends
    of_school_age = sum(1 for week in term_weeks if week <= school_age_ends)
    if first + length >= of_school_age:
        end_reason = None
    end = max(min(first + length, total, of_school_age), first + 1)
    if end == total:
        end_reason = None  # still open when the generated weeks stop
    if first == 0:
        provision_start = start_day - timedelta(days=rng.randrange(7, 280))
    else:
        provision_start = start_day + timedelta(days=rng.randrange(5))
    excluded_from = None
    if pattern.exclusion_type == "permanent":
        excluded_from = (provision_start - timedelta(days=rng.randrange(3, 15))).isoformat()
    elif pattern.exclusion_type == "suspension":
        excluded_from = provision_start.isoformat()
    gap_start = rng.randrange(first, end) if rng.random() < 0.1 else None
    return _Child(
        upn=_upn(rng, date_of_birth, seen),
        date_of_birth=date_of_birth.isoformat(),
        first_week=first,
        end_week=end,
        reasons=rng.choice(pattern.reasons),
        exclusion_type=pattern.exclusion_type,
        excluded_from=excluded_from,
        provision_start=provision_start,
        timetable_weeks=timetable_weeks,
        placements=_placements(rng, pick, pattern.name, year_group),
        gap_start=gap_start,
        end_reason=end_reason,
    )


def _upn(rng: random.Random, date_of_birth: date, seen: set[str]) -> str:
    """A new UPN with the right check letter; about 1% are temporary (end in a letter)."""
    while True:
        la = HOME_LA if rng.random() < 0.85 else rng.choice(OTHER_LAS)
        establishment = rng.choice((rng.randrange(2000, 4000), rng.randrange(4000, 5500)))
        issued = (date_of_birth.year + 5) % 100
        if rng.random() < 0.01:
            serial = f"{rng.randrange(100):02d}{rng.choice(TEMPORARY_UPN_LETTERS)}"
        else:
            serial = f"{rng.randrange(1000):03d}"
        body = f"{la:03d}{establishment:04d}{issued:02d}{serial}"
        upn = str(stdnum_upn.calc_check_digit(body)) + body
        if upn not in seen:
            seen.add(upn)
            return upn


# --- Loading the demo ----------------------------------------------------------------------


# People who sign in to the demo's pages; development passwords, never for a real register.
DEMO_PEOPLE = (
    ("officer@demo.example.org", "Olivia Officer", Role.la_officer, "demo-officer-password"),
    ("inspector@demo.example.org", "Ivan Inspector", Role.inspector, "demo-inspector-password"),
)


# A tutor at the demo's first tuition provider, who sends its weeks on the pages.
DEMO_TUTOR = ("tutor@demo.example.org", "Tariq Tutor", Role.provider, "demo-tutor-password")


def ensure_demo_people(sessionmaker: "sessionmaker[Session]", *, settings: Settings) -> None:
    """The demo's officer, inspector and tutor, each with a local account (once)."""
    with sessionmaker.begin() as session:
        tuition = session.scalar(
            select(Provider.id).where(Provider.kind == "tuition").order_by(Provider.id).limit(1)
        )
        people: list[tuple[tuple[str, str, Role, str], int | None]] = [
            (person, None) for person in DEMO_PEOPLE
        ]
        if tuition is not None:
            people.append((DEMO_TUTOR, tuition))
        for (email, name, role, password), provider_id in people:
            if session.scalar(select(Person.id).where(Person.email == email)) is None:
                person = PersonCreate(
                    email=email, name=name, role=role, password=password, provider_id=provider_id
                )
                create_person(session, request=person, settings=settings)


def load_demo(
    sessionmaker: "sessionmaker[Session]",
    *,
    settings: Settings,
    children: int = DEMO_CHILDREN,
    providers: int = DEMO_PROVIDERS,
    weeks: int = DEMO_WEEKS,
    seed: int = 2026,
    today: date | None = None,
) -> str:
    """Load a synthetic LA whose weeks end this week, through the same ingest as the API;
    a register that already has children is left alone."""
    with sessionmaker() as session:
        existing = session.scalar(select(func.count()).select_from(Pupil)) or 0
    if existing:
        return f"skipped: the register already has {existing} children"
    la = synthetic_la(children=children, providers=providers, weeks=weeks, seed=seed, today=today)
    return load_la(sessionmaker.begin, la, settings=settings).summary


def synthetic_la(
    *, children: int, providers: int, weeks: int, seed: int, today: date | None = None
) -> "SyntheticLA":
    """A synthetic LA whose weeks end in the week of ``today``."""
    last_week = monday_of(today or today_in_england())
    return generate_la(
        seed=seed,
        children=children,
        providers=providers,
        first_week=last_week - WEEK * (weeks - 1),
        weeks=weeks,
    )


@dataclass(frozen=True)
class Loaded:
    summary: str
    provider_ids: list[int]


def load_la(
    transaction: Callable[[], AbstractContextManager[Session]],
    la: SyntheticLA,
    *,
    settings: Settings,
) -> Loaded:
    """Write the LA's providers, calendar and records through the API's own ingest, a batch
    per ``transaction()``."""
    with transaction() as session:
        provider_ids = _ensure_providers(session, la.providers)
        _ensure_calendar(session, la)
    principal = Principal(client_id="demo-loader", role=Role.admin, provider_id=None)
    stored = 0
    reported: set[str] = set()
    # The first child reported is sent under a temporary UPN for the first half of the weeks,
    # until the LA gives it its permanent one (a UPN change), as happens to new arrivals.
    temporary: dict[str, str] = {}
    given_on = (la.first_week + WEEK * (la.weeks // 2)).isoformat()
    for batch in _batches(la.records(), BATCH_SIZE):
        week_commencing = str(batch[0]["week_commencing"])
        if not temporary and not reported and week_commencing < given_on:
            permanent = str(batch[0]["upn"])
            temporary[permanent] = _temporary_upn_for(permanent, taken=dict(la.pupils()))
        with transaction() as session:
            if temporary and week_commencing >= given_on:
                [(permanent, sent_as)] = temporary.items()
                change_upn(
                    session, principal=principal, upn=sent_as, new_upn=permanent, settings=settings
                )
                temporary = {}
            records = [
                ProvisionRecordIn.model_validate(
                    {key: value for key, value in record.items() if key != "provider_index"}
                    | {
                        "upn": temporary.get(str(record["upn"]), record["upn"]),
                        "provider_id": provider_ids[record["provider_index"]],
                    }
                )
                for record in batch
            ]
            ingest(session, records=records, principal=principal, settings=settings)
        stored += len(records)
        reported.update(str(record["upn"]) for record in batch)
    with transaction() as session:
        nil = _nil_returns(session, la, provider_ids, weeks=NIL_RETURN_WEEKS)
    summary = (
        f"{len(reported)} children, {stored} records from {len(la.providers)} providers, "
        f"{nil} nil returns, weeks {la.first_week} to {la.first_week + WEEK * (la.weeks - 1)}"
    )
    return Loaded(summary, provider_ids)


def _nil_returns(
    session: Session, la: SyntheticLA, provider_ids: Sequence[int], *, weeks: int
) -> int:
    """Nil returns from the providers with no child due in each of the last term weeks, as
    tutors and hospital services with an empty caseload send them."""
    calendar = load_calendar(session)
    recorded = 0
    for week in la.term_weeks()[-weeks:]:
        found = returns_for(session, week_commencing=week, calendar=calendar, provider_id=None)
        due = {line.provider_id for line in found.lines if line.children_due}
        for provider_id in sorted(set(provider_ids) - due):
            recorded += record_nil_return(
                session,
                provider_id=provider_id,
                week_commencing=week,
                client_id="demo-loader",
                this_week=week,
            )
    return recorded


def _temporary_upn_for(upn: str, *, taken: Mapping[str, str]) -> str:
    """A temporary UPN from the same school and year as a permanent one, not already a child's."""
    for letter in TEMPORARY_UPN_LETTERS:
        body = f"{upn[1:12]}{letter}"
        temporary = check_letter(body) + body
        if temporary not in taken:
            return temporary
    raise ValueError(f"no temporary UPN free beside {upn}")


def _ensure_providers(session: Session, specs: Sequence[ProviderSpec]) -> list[int]:
    """The id of each provider, registering those not already known by name or URN."""
    ids = []
    for spec in specs:
        known = session.scalar(
            select(Provider.id).where(
                (Provider.name == spec.name) | (Provider.urn == spec.urn)
                if spec.urn
                else Provider.name == spec.name
            )
        )
        if known is None:
            provider = Provider(name=spec.name, kind=spec.kind, urn=spec.urn)
            session.add(provider)
            session.flush()
            known = provider.id
        ids.append(known)
    return ids


def _ensure_calendar(session: Session, la: SyntheticLA) -> None:
    """Add the LA's terms and closure days that are not there yet."""
    starts = set(session.scalars(select(Term.start_date)))
    session.add_all(
        Term(name=name, start_date=start, end_date=end)
        for name, start, end in la.terms
        if start not in starts
    )
    days = set(session.scalars(select(ClosureDay.day)))
    session.add_all(
        ClosureDay(day=day, description=description)
        for day, description in la.closures
        if day not in days
    )
    session.flush()


def _batches(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Batches of at most ``size`` records that never span two weeks."""
    batch: list[dict[str, Any]] = []
    for record in records:
        if batch and (
            len(batch) == size or batch[-1]["week_commencing"] != record["week_commencing"]
        ):
            yield batch
            batch = []
        batch.append(record)
    if batch:
        yield batch
