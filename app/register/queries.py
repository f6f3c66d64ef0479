"""SQL for "each child's state as at a week", shared by the register list, summary and extract."""

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

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


def provided_in_status_week(
    *, provision_type: str | None = None, provider_id: int | None = None
) -> ColumnElement[bool]:
    """The child had such a record in the week their state rests on."""
    conditions = [
        ProvisionRecord.pupil_id == PupilWeek.pupil_id,
        ProvisionRecord.week_commencing == PupilWeek.week_commencing,
    ]
    if provision_type is not None:
        conditions.append(ProvisionRecord.provision_type == provision_type)
    if provider_id is not None:
        conditions.append(ProvisionRecord.provider_id == provider_id)
    return exists().where(*conditions)
