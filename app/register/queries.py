"""SQL for "each child's state as at a week", shared by the register list, summary and extract."""

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from app.models import ProvisionRecord, Pupil, PupilWeek


def state_as_at(week_commencing: date) -> ColumnElement[bool]:
    """True for the one judgement per child that their state as at the week rests on."""
    return and_(
        PupilWeek.week_commencing <= week_commencing,
        or_(PupilWeek.next_week.is_(None), PupilWeek.next_week > week_commencing),
    )


def children_as_at(week_commencing: date) -> Select[Pupil, PupilWeek]:
    """Every child on the register by that week, with the judgement their state rests on."""
    return (
        select(Pupil, PupilWeek)
        .join(PupilWeek, PupilWeek.pupil_id == Pupil.id)
        .where(state_as_at(week_commencing))
    )


# Provision away from a school roll's usual classroom: the extract lists these children
# even when their hours add up to full time.
SCHOOL_PROVISION = ("mainstream_school", "special_school")


def in_status_week() -> ColumnElement[bool]:
    """Joins a child's provision records to the week their state rests on."""
    return and_(
        ProvisionRecord.pupil_id == PupilWeek.pupil_id,
        ProvisionRecord.week_commencing == PupilWeek.week_commencing,
    )


def on_inspection_list() -> ColumnElement[bool]:
    """Below threshold, or in alternative provision (any provision but a school's own)."""
    # An alias, so the condition also works in queries that join the records themselves.
    record = aliased(ProvisionRecord)
    return or_(
        PupilWeek.below_threshold,
        exists().where(
            record.pupil_id == PupilWeek.pupil_id,
            record.week_commencing == PupilWeek.week_commencing,
            record.provision_type.not_in(SCHOOL_PROVISION),
        ),
    )


def provided_in_status_week(
    *, provision_type: str | None = None, provider_id: int | None = None
) -> ColumnElement[bool]:
    """The child had such a record in the week their state rests on."""
    conditions = [in_status_week()]
    if provision_type is not None:
        conditions.append(ProvisionRecord.provision_type == provision_type)
    if provider_id is not None:
        conditions.append(ProvisionRecord.provider_id == provider_id)
    return exists().where(*conditions)
