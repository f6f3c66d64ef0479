"""A child's week-by-week history."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.provision.schemas import RecordWarning
from app.register.schemas import NamedPupilStatus, ProviderHours
from app.vocabulary import UPN, DateOfBirth, Hours


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


class UpnChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_upn: UPN = Field(description="The child's UPN from now on (e.g. a permanent one).")


class UpnChangeOut(BaseModel):
    upn: str = Field(description="The child's UPN now.")
    previous_upns: list[str] = Field(description="Earlier UPNs, oldest first; each still works.")
    merged: bool = Field(
        description="Whether a child already at the new UPN (same date of birth) took the "
        "records: one child had been on the register twice."
    )


class DateOfBirthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_of_birth: DateOfBirth = Field(description="The child's corrected date of birth.")


class CorrectedStatus(NamedPupilStatus):
    """The child's status as at today, judged again with the corrected date of birth."""

    warnings: list[RecordWarning] = Field(
        description="The child's records that now fall outside compulsory school age."
    )
