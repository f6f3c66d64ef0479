"""A child's history as the API shows it."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.provision.schemas import EndReason, ExclusionType, Hours, ProvisionType, Reason


class Action(StrEnum):
    created = "created"
    replaced = "replaced"
    withdrawn = "withdrawn"
    ended = "ended"
    end_replaced = "end_replaced"


class RecordVersion(BaseModel):
    """A weekly record's fields as one version left them."""

    hours: Hours
    hours_attended: Hours | None
    provision_type: ProvisionType
    reasons: list[Reason]
    exclusion_type: ExclusionType | None
    exclusion_start_date: date | None
    provision_start_date: date | None
    timetable_review_date: date | None
    timetable_end_date: date | None


class HistoryEntry(BaseModel):
    """One version: a record submitted, replaced or withdrawn, or a provision end."""

    id: int
    recorded_at: datetime
    client_id: str = Field(description="The API client that made the change.")
    action: Action
    provider_id: int
    week_commencing: date | None = Field(description="The record's week; null for an end.")
    record: RecordVersion | None = Field(
        description="The record as this version left it (as it was, for a withdrawal)."
    )
    end_date: date | None
    end_reason: EndReason | None


class History(BaseModel):
    upn: str
    items: list[HistoryEntry] = Field(description="Newest first.")
    next: str | None = Field(description="URL of the next (older) page, or null on the last.")
