"""A provider's week typed in by hand: the children whose provision with it is open, each
with the record it sent last, so next week's is that one with the hours confirmed or changed."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.history.service import RECORD_FIELDS
from app.models import Provision, ProvisionRecord, Pupil
from app.provision.schemas import ProvisionRecordIn
from app.register.queries import open_in


@dataclass(frozen=True)
class ChildToReport:
    """A child due in the week, with the provider's latest record before it."""

    upn: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date
    last_week: date
    last: dict[str, object]  # the latest record's fields

    @property
    def last_hours(self) -> Decimal:
        """The hours sent last, offered again."""
        hours = self.last["hours"]
        assert isinstance(hours, Decimal)
        return hours

    def record(self, week_commencing: date, hours: Decimal | str) -> ProvisionRecordIn:
        """This week's record: last week's, with this week's hours."""
        return ProvisionRecordIn.model_validate(
            {name: value for name, value in self.last.items() if value is not None}
            | {
                "upn": self.upn,
                "date_of_birth": self.date_of_birth,
                "week_commencing": week_commencing,
                "hours": hours,
                "hours_attended": None,
            }
        )


def children_to_report(
    session: Session, *, provider_id: int, week_commencing: date
) -> list[ChildToReport]:
    """The children whose provision with the provider is open in the week, by name then UPN,
    each with the latest record the provider sent before that week."""
    latest = (
        select(
            ProvisionRecord.pupil_id,
            func.max(ProvisionRecord.week_commencing).label("week"),
        )
        .where(
            ProvisionRecord.provider_id == provider_id,
            ProvisionRecord.week_commencing < week_commencing,
        )
        .group_by(ProvisionRecord.pupil_id)
        .subquery()
    )
    due = (
        select(Provision.pupil_id)
        .where(Provision.provider_id == provider_id, open_in(week_commencing))
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(Pupil, ProvisionRecord)
        .join(due, due.c.pupil_id == Pupil.id)
        .join(latest, latest.c.pupil_id == Pupil.id)
        .join(
            ProvisionRecord,
            (ProvisionRecord.pupil_id == Pupil.id)
            & (ProvisionRecord.provider_id == provider_id)
            & (ProvisionRecord.week_commencing == latest.c.week),
        )
        .order_by(Pupil.family_name, Pupil.given_name, Pupil.upn)
    )
    return [
        ChildToReport(
            upn=pupil.upn,
            given_name=pupil.given_name,
            family_name=pupil.family_name,
            date_of_birth=pupil.date_of_birth,
            last_week=record.week_commencing,
            last={name: getattr(record, name) for name in RECORD_FIELDS},
        )
        for pupil, record in rows
    ]
