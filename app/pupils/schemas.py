"""A child's week-by-week history."""

from datetime import date

from pydantic import BaseModel, Field

from app.provision.schemas import Hours
from app.register.schemas import ProviderHours


class WeekDetail(BaseModel):
    week_commencing: date
    term_week: bool
    school_days: int
    threshold_hours: Hours
    on_register: bool
    reported: bool = Field(description="Some provider sent a record for this week.")
    total_hours: Hours | None = Field(description="Sum over all providers' records this week.")
    below_threshold: bool = Field(description="Judged this week, or carried if unreported.")
    weeks_below: int
    providers: list[ProviderHours]


class PupilWeeks(BaseModel):
    upn: str
    weeks: list[WeekDetail]
