"""The inspection extract, row by row: memory stays flat however many children there are."""

from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Pupil, PupilWeek
from app.register.facts import PROVISION_TYPES, codes
from app.register.queries import REGISTER_ORDER, on_inspection_list, on_register_as_at
from app.register.rules import SchoolCalendar

# The contract's column order; CSV and JSON both follow it.
COLUMNS = (
    "child_id",
    "upn",
    "date_of_birth",
    "provision_types",
    "hours_per_week",
    "below_25",
    "exclusion_type",
    "provision_start_date",
    "weeks_below",
    "below_since",
)


def extract_pupil_ids(session: Session, *, week: date) -> Sequence[int]:
    """The children the extract lists for the week, for the audit trail."""
    return session.scalars(
        select(PupilWeek.pupil_id).where(on_register_as_at(week), on_inspection_list())
    ).all()


def extract_rows(
    session: Session, *, week: date, calendar: SchoolCalendar, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """One row per child on the inspection list, in the register's order; never a name. The
    provision types, exclusion and start date are the facts of the week the status rests on."""
    query = (
        select(
            Pupil.id,
            Pupil.upn,
            Pupil.date_of_birth,
            PupilWeek.total_hours,
            PupilWeek.below_threshold,
            PupilWeek.below_since,
            PupilWeek.provision_types,
            PupilWeek.exclusion_type,
            PupilWeek.provision_start_date,
        )
        .join(PupilWeek, PupilWeek.pupil_id == Pupil.id)
        .where(on_register_as_at(week), on_inspection_list())
        .order_by(*REGISTER_ORDER)
        .execution_options(yield_per=batch)
    )

    @cache
    def weeks_below(below_since: date) -> int:
        return calendar.term_weeks(below_since, week)

    for child_id, upn, born, hours, below, since, types, exclusion, started in session.execute(
        query
    ):
        yield {
            "child_id": child_id,
            "upn": upn,
            "date_of_birth": born,
            "provision_types": sorted(codes(types, PROVISION_TYPES)),
            "hours_per_week": hours,
            "below_25": below,
            "exclusion_type": exclusion,
            "provision_start_date": started,
            "weeks_below": weeks_below(since) if below and since else 0,
            "below_since": since,
        }
