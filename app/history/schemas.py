"""A child's history as the API shows it."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field

from app.cursors import Page
from app.models import ProvisionVersion, Revision
from app.provision.schemas import RecordVersion
from app.vocabulary import EndReason


class Action(StrEnum):
    created = "created"
    replaced = "replaced"
    withdrawn = "withdrawn"
    ended = "ended"
    end_replaced = "end_replaced"
    left_register = "left_register"
    upn_changed = "upn_changed"
    date_of_birth_corrected = "date_of_birth_corrected"


class HistoryEntry(BaseModel):
    """One version: a record submitted, replaced or withdrawn, a provision end, a change of the
    child's UPN, or (in the change feed) the child left with no open provision by a write."""

    id: int
    recorded_at: datetime
    client_id: str = Field(description="The API client that made the change.")
    action: Action
    provider_id: int | None = Field(
        description="Null for a change of UPN or a corrected date of birth."
    )
    week_commencing: date | None = Field(
        description="The record's week; null for an end, a change of UPN or a corrected date "
        "of birth."
    )
    record: RecordVersion | None = Field(
        description="The record as this version left it (as it was, for a withdrawal)."
    )
    end_date: date | None
    end_reason: EndReason | None
    old_upn: str | None = Field(default=None, description="For a change of UPN: the UPN before.")
    new_upn: str | None = Field(default=None, description="For a change of UPN: the UPN after.")
    merged: bool | None = Field(
        default=None,
        description="For a change of UPN: whether a child already at the new UPN took the "
        "records (one child had been on the register twice).",
    )
    old_date_of_birth: date | None = Field(
        default=None, description="For a corrected date of birth: the date before."
    )
    new_date_of_birth: date | None = Field(
        default=None, description="For a corrected date of birth: the date after."
    )

    @classmethod
    def of(cls, version: ProvisionVersion, revision: Revision) -> Self:
        """A version as the API shows it."""
        return cls(
            id=version.id,
            recorded_at=utc(revision.recorded_at),
            client_id=revision.client_id,
            action=Action(version.action),
            provider_id=version.provider_id,
            week_commencing=version.week_commencing,
            record=RecordVersion.model_validate(version.details)
            if version.week_commencing is not None
            else None,
            end_date=version.details.get("end_date"),
            end_reason=version.details.get("end_reason"),
            old_upn=version.details.get("old_upn"),
            new_upn=version.details.get("new_upn"),
            merged=version.details.get("merged"),
            old_date_of_birth=version.details.get("old_date_of_birth"),
            new_date_of_birth=version.details.get("new_date_of_birth"),
        )


class History(Page):
    upn: str
    items: list[HistoryEntry] = Field(description="Newest first.")


def utc(moment: datetime) -> datetime:
    """A stored time in UTC (SQLite hands back the UTC times it stores without their zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
