"""How the register reports a child's status."""

from datetime import date

from pydantic import BaseModel, Field

from app.vocabulary import DateOfBirth, EndReason, Hours, ProvisionType, Reason


class ProviderHours(BaseModel):
    """One provider's record for the week, with what the guidance asks of it (rule 13)."""

    provider_id: int
    provider_name: str
    hours: Hours
    provision_type: ProvisionType
    reasons: list[Reason]
    hours_attended: Hours | None = Field(description="Hours the child attended, where sent.")
    timetable_review_date: date | None
    timetable_end_date: date | None
    parent_agreed_on: date | None = Field(
        description="When a parent agreed the part-time timetable."
    )


class DataQuality(BaseModel):
    """Reasons to check or chase a child's returns."""

    unreported_weeks: int = Field(
        description="Term weeks up to the as-at week with no return from any provider; "
        "the last reported state is carried through them."
    )
    unreported_weeks_in_run: int = Field(
        description="Of the current below-threshold run, how many weeks were carried, not reported."
    )
    temporary_upn: bool
    date_of_birth_conflicts: int = Field(
        description="Records rejected because they gave this UPN another date of birth."
    )


class PupilStatus(BaseModel):
    """A child's status as at the week containing ``as_at`` (contract v1)."""

    upn: str
    previous_upns: list[str] = Field(
        description="UPNs the child had before (oldest first); each still finds the child."
    )
    date_of_birth: DateOfBirth
    week_commencing: date
    term_week: bool
    on_register: bool = Field(
        description="At least one provision is open this week and the child is of compulsory "
        "school age (rules 7 and 8)."
    )
    left_register_on: date | None = Field(
        description="When the child left the register: the end date of the last provision to "
        "end, or the end of compulsory school age. Null while on the register."
    )
    exit_reason: EndReason | None = Field(description="Why the child left; null while on it.")
    compulsory_school_age_ends: date = Field(
        description="The last Friday of June of the school year in which the child turns 16."
    )
    total_hours: Hours | None = Field(
        description="Hours across all providers in the last reported week on or before this one."
    )
    year_group: str | None = Field(
        description="The child's national curriculum year group in the week's school year "
        '("R", "1"…"11"; null outside them).'
    )
    threshold_hours: Hours = Field(
        description="The threshold that week's total was judged against: the full-time hours for "
        "the child's year group, pro rata in short weeks."
    )
    hours_received: Hours | None = Field(
        description="Hours received that week: hours attended where sent, else hours offered."
    )
    school_days_missed_this_year: Hours = Field(
        description="School days missed from 1 September to this week (rule 11), unreported "
        "weeks counted as their carried state."
    )
    below_threshold: bool
    weeks_below: int
    below_since: date | None
    last_reported_week: date | None = Field(
        description="The last week any provider reported, on or before this one."
    )
    providers: list[ProviderHours] = Field(
        description="Who provides what in the last reported week; a provider sees its own rows."
    )
    data_quality: DataQuality


class NamedPupilStatus(PupilStatus):
    """A single child's status as an LA officer sees it, with the name to find them by."""

    given_name: str | None
    family_name: str | None
