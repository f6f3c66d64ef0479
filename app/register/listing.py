"""The register as a list to look through: filters, search, sort and numbered pages, for the
API's register and the officer's Register page alike."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Pupil, PupilWeek
from app.register.facts import REASONS
from app.register.queries import (
    REGISTER_ORDER,
    children_with_judgements,
    on_register_as_at,
    provided_in_status_week,
)
from app.register.rules import SchoolCalendar
from app.vocabulary import ProvisionType, Reason


class RegisterSort(StrEnum):
    weeks_below = "weeks_below"  # the register's own order: longest below full time first
    hours = "hours"
    upn = "upn"
    name = "name"


SORTS: dict[RegisterSort, tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]] = {
    RegisterSort.weeks_below: REGISTER_ORDER,
    RegisterSort.hours: (PupilWeek.total_hours.asc().nulls_first(), PupilWeek.pupil_id),
    RegisterSort.upn: (Pupil.upn,),
    RegisterSort.name: (Pupil.family_name, Pupil.given_name, Pupil.upn),
}


@dataclass(frozen=True)
class RegisterFilter:
    """Which children on the register to list; every field narrows, None does not."""

    below_threshold: bool | None = None
    min_weeks_below: int | None = None
    provision_type: ProvisionType | None = None
    provider_id: int | None = None
    reason: Reason | None = None
    year_group: int | None = None  # National Curriculum year, 0 = Reception
    search: str | None = None  # a UPN, or part of a name


def academic_year_starts(week: date) -> int:
    """The calendar year in which the week's school year began (1 September)."""
    return week.year if week.month >= 9 else week.year - 1


def register_conditions(
    chosen: RegisterFilter, *, week: date, calendar: SchoolCalendar
) -> list[ColumnElement[bool]]:
    """SQL conditions on the child and the judgement their state rests on."""
    conditions: list[ColumnElement[bool]] = []
    if chosen.below_threshold is not None:
        conditions.append(PupilWeek.below_threshold.is_(chosen.below_threshold))
    if chosen.min_weeks_below is not None:
        # weeks_below >= N exactly when the run began by the N-th term week back.
        began_by = calendar.term_week_ending(week, chosen.min_weeks_below)
        conditions.append(
            and_(PupilWeek.below_threshold, PupilWeek.below_since <= began_by)
            if began_by
            else false()
        )
    if chosen.provision_type is not None or chosen.provider_id is not None:
        conditions.append(
            provided_in_status_week(
                provision_type=chosen.provision_type, provider_id=chosen.provider_id
            )
        )
    if chosen.reason is not None:
        bit = 1 << REASONS.index(chosen.reason)
        conditions.append(PupilWeek.reasons.op("&")(bit) != 0)
    if chosen.year_group is not None:
        # Year N this school year: born in the school year (September to August) N + 5 before.
        born_from = academic_year_starts(week) - 5 - chosen.year_group
        conditions.append(
            Pupil.date_of_birth.between(date(born_from, 9, 1), date(born_from + 1, 8, 31))
        )
    if chosen.search:
        term = chosen.search.strip().lower()
        conditions.append(
            or_(
                Pupil.upn == term.upper(),
                func.lower(Pupil.given_name).contains(term, autoescape=True),
                func.lower(Pupil.family_name).contains(term, autoescape=True),
                func.lower(Pupil.given_name + " " + Pupil.family_name).contains(
                    term, autoescape=True
                ),
            )
        )
    return conditions


@dataclass(frozen=True)
class RegisterListing:
    """One numbered page of the register, and how many children match in all."""

    rows: Sequence[tuple[Pupil, PupilWeek]]
    total: int


def register_listing(
    session: Session,
    *,
    week: date,
    calendar: SchoolCalendar,
    chosen: RegisterFilter,
    sort: RegisterSort,
    offset: int,
    limit: int,
) -> RegisterListing:
    """The children on the register as at the week that match, in the order asked for."""
    conditions = [
        on_register_as_at(week),
        *register_conditions(chosen, week=week, calendar=calendar),
    ]
    total = session.scalar(
        select(func.count())
        .select_from(Pupil)
        .join(PupilWeek, PupilWeek.pupil_id == Pupil.id)
        .where(*conditions)
    )
    rows = session.execute(
        children_with_judgements()
        .where(*conditions)
        .order_by(*SORTS[sort])
        .offset(offset)
        .limit(limit)
    )
    return RegisterListing(rows=[(pupil, row) for pupil, row in rows], total=total or 0)
