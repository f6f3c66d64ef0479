"""Codes and payloads for weekly provision records (API contract v1)."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)

from app.inputs import Id, RegisterDate, Text
from app.pupils.upn import normalise_upn


class ProvisionType(StrEnum):
    mainstream_school = "mainstream_school"
    special_school = "special_school"
    pru = "pru"
    alternative_provision = "alternative_provision"
    hospital_education = "hospital_education"
    home_tuition = "home_tuition"
    online_learning = "online_learning"
    college = "college"
    custody_education = "custody_education"
    yos_programme = "yos_programme"
    other = "other"


class Reason(StrEnum):
    permanent_exclusion = "permanent_exclusion"
    suspension = "suspension"
    medical = "medical"
    mental_health = "mental_health"
    part_time_timetable = "part_time_timetable"
    reintegration = "reintegration"
    pregnancy_or_young_parent = "pregnancy_or_young_parent"
    awaiting_school_place = "awaiting_school_place"
    no_suitable_place = "no_suitable_place"
    custody = "custody"
    new_to_country = "new_to_country"
    gypsy_roma_traveller = "gypsy_roma_traveller"
    elective_home_education = "elective_home_education"
    other = "other"


class ExclusionType(StrEnum):
    permanent = "permanent"
    suspension = "suspension"


def _monday(day: date) -> date:
    if day.weekday() != 0:
        raise ValueError(f"week_commencing must be a Monday; {day} is a {day:%A}")
    return day


UPN = Annotated[
    str,
    Field(min_length=1, max_length=20, examples=["B801200005001"]),
    AfterValidator(normalise_upn),
]
Monday = Annotated[RegisterDate, AfterValidator(_monday)]
HoursIn = Annotated[Decimal, Field(ge=0, le=60, decimal_places=2, examples=[12.5])]
# Hours leave the API as JSON numbers; Decimal is kept inside so 24.99 never rounds to 25.
Hours = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Name = Annotated[Text, Field(min_length=1, max_length=100)]
# The register serves children of compulsory school age and young people with EHC plans.
MAX_AGE = 25


class ProvisionRecordIn(BaseModel):
    """One provider's hours of education for one child in one week."""

    model_config = ConfigDict(extra="forbid")

    upn: UPN
    week_commencing: Monday
    date_of_birth: date
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
    given_name: Name | None = None
    family_name: Name | None = None
    provider_id: Id | None = Field(
        default=None, description="Taken from a provider's token; la_officer/admin name it."
    )

    # Cross-field checks sit on the field that is wrong, so the error points at it.
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


class ProvisionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[ProvisionRecordIn] = Field(min_length=1)


class ProvisionRecordOut(BaseModel):
    """A stored record, as its provider sent it (names are never echoed back)."""

    upn: str
    temporary_upn: bool
    date_of_birth: date
    provider_id: int
    week_commencing: date
    hours: Hours
    hours_attended: Hours | None
    provision_type: ProvisionType
    reasons: list[Reason]
    exclusion_type: ExclusionType | None
    exclusion_start_date: date | None
    provision_start_date: date | None
    timetable_review_date: date | None
    timetable_end_date: date | None


class BatchResult(BaseModel):
    received: int
    created: int
    replaced: int
