"""The inspection extract as the API describes it (the rows are streamed, not built as models)."""

from datetime import date

from pydantic import BaseModel, Field

from app.vocabulary import DateOfBirth, ExclusionType, ProvisionType


class ExtractRow(BaseModel):
    """One child on the inspection list; never a name."""

    child_id: int = Field(description="The register's id for the child.", examples=[1042])
    upn: str = Field(examples=["B801200005001"])
    date_of_birth: DateOfBirth
    provision_types: list[ProvisionType]
    hours_per_week: float = Field(description="Across all providers.", examples=[12.5])
    below_25: bool = Field(description="Below the full-time threshold that week.")
    exclusion_type: ExclusionType | None
    provision_start_date: date | None
    weeks_below: int = Field(examples=[3])
    below_since: date | None


class InspectionExtract(BaseModel):
    la_code: str = Field(examples=["801"])
    la_name: str = Field(examples=["Demo Local Authority"])
    week_commencing: date
    threshold_hours: float = Field(examples=[25])
    items: list[ExtractRow]
    children: int = Field(description="How many rows were sent.", examples=[1])
