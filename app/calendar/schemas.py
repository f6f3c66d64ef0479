"""The LA calendar as the API takes and shows it."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.inputs import RegisterDate, Text


class TermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100, examples=["Autumn 1 2026"])
    start_date: RegisterDate
    end_date: RegisterDate

    @field_validator("end_date")
    @classmethod
    def _after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError("must not be before start_date")
        return value


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: RegisterDate
    description: Text = Field(min_length=1, max_length=200, examples=["INSET day"])


class CalendarIn(BaseModel):
    """The whole calendar: terms (half-terms are gaps between terms) and closure days."""

    model_config = ConfigDict(extra="forbid")

    terms: list[TermIn] = Field(max_length=200)
    closures: list[ClosureIn] = Field(default_factory=list, max_length=2000)


class CalendarOut(BaseModel):
    terms: list[TermIn]
    closures: list[ClosureIn]
    recomputed_children: int | None = Field(
        default=None, description="Children whose weeks were re-judged because of this change."
    )
