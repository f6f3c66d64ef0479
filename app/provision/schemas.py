"""Codes and payloads for weekly provision records (API contract v1)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.cursors import Page
from app.inputs import Id, RegisterDate, field_error, today
from app.register.rules import monday_of
from app.vocabulary import (
    MAX_AGE,
    UPN,
    DateOfBirth,
    EndReason,
    ExclusionType,
    Hours,
    HoursIn,
    Monday,
    Name,
    ProvisionType,
    Reason,
)


class ProvisionRecordIn(BaseModel):
    """One provider's hours of education for one child in one week."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "upn": "L801200015001",
                    "date_of_birth": "2013-05-01",
                    "week_commencing": "2026-11-16",
                    "hours": 12.5,
                    "provision_type": "alternative_provision",
                    "reasons": ["part_time_timetable"],
                    "timetable_review_date": "2026-12-07",
                }
            ]
        },
    )

    upn: UPN
    week_commencing: Monday
    date_of_birth: DateOfBirth
    hours: HoursIn = Field(description="Hours this provider provides the child that week.")
    provision_type: ProvisionType
    hours_attended: HoursIn | None = None
    reasons: list[Reason] = Field(default_factory=list, max_length=len(Reason))
    exclusion_type: ExclusionType | None = None
    exclusion_start_date: RegisterDate | None = None
    provision_start_date: RegisterDate | None = None
    timetable_review_date: RegisterDate | None = Field(
        default=None, description="When a part-time timetable is next formally reviewed."
    )
    timetable_end_date: RegisterDate | None = Field(
        default=None, description="When a part-time timetable is agreed to end."
    )
    parent_agreed_on: RegisterDate | None = Field(
        default=None,
        description="When a parent agreed the part-time timetable (not after the record's week).",
    )
    provision_end_date: RegisterDate | None = Field(
        default=None,
        description="This was the last week: this provider's provision for the child ends on "
        "this day (in or after week_commencing). Needs end_reason.",
    )
    end_reason: EndReason | None = Field(
        default=None, description="Why the provision ends; needs provision_end_date."
    )
    given_name: Name | None = None
    family_name: Name | None = None
    provider_id: Id | None = Field(
        default=None, description="Taken from a provider's token; la_officer/admin name it."
    )

    # Cross-field checks sit on the field that is wrong, so the error points at it.
    @field_validator("week_commencing")
    @classmethod
    def _not_ahead(cls, value: date) -> date:
        # Rule 14: hours for a week that has not begun cannot have been provided.
        this_week = monday_of(today())
        if value > this_week:
            raise ValueError(f"must not be after the current week ({this_week})")
        return value

    @field_validator("parent_agreed_on")
    @classmethod
    def _agreed_by_the_week(cls, value: date | None, info: ValidationInfo) -> date | None:
        week = info.data.get("week_commencing")
        if value is not None and week is not None and value > week + timedelta(days=6):
            raise ValueError(f"must not be after the week of the record ({week})")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _born_before_the_week(cls, value: date, info: ValidationInfo) -> date:
        week = info.data.get("week_commencing")
        if week is not None and not (value < week and week.year - value.year <= MAX_AGE):
            raise ValueError(f"must be before week_commencing and at most {MAX_AGE} years before")
        return value

    @field_validator("hours_attended")
    @classmethod
    def _attended_within_provided(
        cls, value: Decimal | None, info: ValidationInfo
    ) -> Decimal | None:
        hours = info.data.get("hours")
        if value is not None and hours is not None and value > hours:
            raise ValueError(f"cannot exceed hours provided ({hours})")
        return value

    @field_validator("reasons")
    @classmethod
    def _distinct(cls, value: list[Reason]) -> list[Reason]:
        if len(set(value)) != len(value):
            raise ValueError("a reason may be given once")
        return value

    @field_validator("exclusion_start_date")
    @classmethod
    def _excluded(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and info.data.get("exclusion_type") is None:
            raise ValueError("needs an exclusion_type")
        return value

    @field_validator("provision_end_date")
    @classmethod
    def _ends_in_or_after_the_week(cls, value: date | None, info: ValidationInfo) -> date | None:
        week = info.data.get("week_commencing")
        if value is not None and week is not None and value < week:
            raise ValueError(f"must be in or after the week of the record ({week})")
        return value

    @model_validator(mode="after")
    def _end_date_and_reason_together(self) -> "ProvisionRecordIn":
        if self.end_reason is not None and self.provision_end_date is None:
            raise field_error(type(self).__name__, "provision_end_date", "required with end_reason")
        if self.provision_end_date is not None and self.end_reason is None:
            raise field_error(type(self).__name__, "end_reason", "required with provision_end_date")
        return self


class ProvisionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[ProvisionRecordIn] = Field(min_length=1)


class RecordWarning(BaseModel):
    """Stored as sent, but worth a look (e.g. a date of birth that may be mistyped)."""

    pointer: str = Field(examples=["/records/0/date_of_birth"])
    detail: str


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
    parent_agreed_on: date | None = None


class ProvisionRecordOut(RecordVersion):
    """A stored record, as its provider sent it (names are never echoed back)."""

    upn: str
    temporary_upn: bool
    date_of_birth: DateOfBirth
    provider_id: int
    week_commencing: date
    provision_end_date: date | None
    end_reason: EndReason | None
    warnings: list[RecordWarning]


class BatchResult(BaseModel):
    received: int
    created: int
    replaced: int
    ended: int = Field(description="Provision ends stated with provision_end_date.")
    warnings: list[RecordWarning]


class ProvisionEndIn(BaseModel):
    """A provider's provision for a child ends (an LA officer may end any, or all)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "upn": "L801200015001",
                    "date_of_birth": "2013-05-01",
                    "end_date": "2026-11-27",
                    "end_reason": "returned_full_time",
                }
            ]
        },
    )

    upn: UPN
    date_of_birth: DateOfBirth
    end_date: RegisterDate = Field(description="The last day of the provision.")
    end_reason: EndReason
    provider_id: Id | None = Field(
        default=None,
        description="A provider's own from its token. An la_officer/admin names one, or leaves "
        "it out to end every open provision of the child.",
    )


class EndedProvision(BaseModel):
    provider_id: int
    end_date: date
    end_reason: EndReason
    replaced: bool = Field(description="It replaced the earlier end of the same arrangement.")


class ProvisionEndOut(BaseModel):
    upn: str
    ended: list[EndedProvision]


class SentRecord(RecordVersion):
    """A record as its provider last sent it (or as it was, if withdrawn). No names."""

    upn: str = Field(description="The child's UPN now (after any UPN change).")
    provider_id: int
    week_commencing: date
    updated_at: datetime = Field(description="When this version was recorded.")
    withdrawn: bool = Field(description="Withdrawn as sent in error (rule 9).")


class SentRecords(Page):
    items: list[SentRecord] = Field(description="Newest change first.")
