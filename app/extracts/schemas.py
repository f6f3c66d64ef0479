"""The inspection extract as the API describes it (the rows are streamed, not built as models)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.vocabulary import DateOfBirth, ExclusionType, ProvisionType, Reason


class ExtractRow(BaseModel):
    """One child on the inspection list; never a name."""

    child_id: int = Field(description="The register's id for the child.", examples=[1042])
    upn: str = Field(examples=["B801200005001"])
    date_of_birth: DateOfBirth
    provision_types: list[ProvisionType]
    hours_per_week: float = Field(description="Across all providers.", examples=[12.5])
    below_25: bool = Field(description="Below the full-time threshold that week.")
    exclusion_type: ExclusionType | None
    provision_start_date: date = Field(
        description="The earliest start date a provider reported that week, else the first "
        "week of the child's current time on the register (see provision_start_date_source)."
    )
    weeks_below: int = Field(examples=[3])
    below_since: date | None
    threshold_hours: float = Field(
        description="The full-time figure applied that week: the child's year group's, pro rata "
        "in short weeks. below_25 is judged against it.",
        examples=[25],
    )
    hours_received: float = Field(
        description="Hours attended where providers sent them, else hours offered.", examples=[9]
    )
    reasons: list[Reason] = Field(description="All providers' reasons that week.")
    last_reported_week: date = Field(
        description="The week the row's figures come from; earlier than the extract's week when "
        "no provider has reported since (the figures are carried)."
    )
    timetable_end_date: date | None = Field(
        description="The earliest end date of a part-time timetable that week, or null."
    )
    provision_start_date_source: Literal["reported", "first_record"]


class InspectionExtract(BaseModel):
    la_code: str = Field(examples=["801"])
    la_name: str = Field(examples=["Demo Local Authority"])
    week_commencing: date
    threshold_hours: float = Field(examples=[25])
    items: list[ExtractRow]
    children: int = Field(description="How many rows were sent.", examples=[1])
