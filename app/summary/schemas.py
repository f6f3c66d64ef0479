"""Dashboard payloads; counts may be suppressed to the marker "c"."""

from datetime import date

from pydantic import BaseModel, Field

from app.summary.disclosure import Cell
from app.vocabulary import EndReason, Hours


class Breakdown(BaseModel):
    key: str
    children: Cell
    below_threshold: Cell


class ExitCount(BaseModel):
    exit_reason: EndReason
    children: Cell


class DurationBand(BaseModel):
    weeks: str = Field(examples=["3-6"])
    children: Cell


class Summary(BaseModel):
    """Aggregates for the week containing `as_at`."""

    la_code: str
    la_name: str
    week_commencing: date
    threshold_hours: Hours
    suppressed: bool = Field(description='Counts from 1 to 4 shown as "c", with secondary cells.')
    children_on_register: Cell
    children_below_threshold: Cell
    children_full_time: Cell
    children_unreported: Cell = Field(description="Children with no return for this term week.")
    mean_hours_below: float | None
    median_hours_below: float | None
    mean_weeks_below: float | None
    median_weeks_below: float | None
    long_run_weeks: int
    children_beyond_long_run: Cell
    duration_bands: list[DurationBand]
    by_provision_type: list[Breakdown]
    by_reason: list[Breakdown]
    by_provider: list[Breakdown]
    by_year_group: list[Breakdown]
    academic_year_starts: date
    children_left_register: Cell = Field(
        description="Children who left the register this academic year, up to this week "
        "(each once, by their latest exit)."
    )
    left_register_by_reason: list[ExitCount]
    children_returned_full_time: Cell
    mean_weeks_to_full_time: float | None = Field(
        description="Term weeks on the register before returning to full-time education."
    )
    median_weeks_to_full_time: float | None


class TrendPoint(BaseModel):
    week_commencing: date
    term_week: bool
    children_on_register: Cell
    children_below_threshold: Cell
    children_beyond_long_run: Cell


class Trend(BaseModel):
    suppressed: bool
    long_run_weeks: int
    points: list[TrendPoint]
