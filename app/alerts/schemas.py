"""Alerts a caseworker acts on."""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from app.vocabulary import Hours


class AlertRule(StrEnum):
    permanent_exclusion_not_full_time = "permanent_exclusion_not_full_time"
    below_threshold_beyond_limit = "below_threshold_beyond_limit"
    part_time_timetable_overdue = "part_time_timetable_overdue"
    no_return = "no_return"
    missed_school_days = "missed_school_days"
    no_school_on_roll = "no_school_on_roll"
    whereabouts_unknown = "whereabouts_unknown"
    provider_return_missing = "provider_return_missing"
    suspension_not_full_time = "suspension_not_full_time"
    part_time_timetable_without_limit = "part_time_timetable_without_limit"
    part_time_timetable_past_end = "part_time_timetable_past_end"
    implausible_hours = "implausible_hours"
    date_of_birth_conflict = "date_of_birth_conflict"


# Each rule as an officer's worklist names it.
RULE_TITLES = {
    AlertRule.permanent_exclusion_not_full_time: "Permanently excluded, not full time",
    AlertRule.suspension_not_full_time: "Suspended, not full time from the sixth day",
    AlertRule.below_threshold_beyond_limit: "Below full time beyond the limit",
    AlertRule.part_time_timetable_overdue: "Part-time timetable overdue for review",
    AlertRule.part_time_timetable_without_limit: "Part-time timetable with no end date",
    AlertRule.part_time_timetable_past_end: "Part-time timetable past its end date",
    AlertRule.no_return: "No hours reported for 2 or more term weeks",
    AlertRule.missed_school_days: "Missed 15 or more school days this school year",
    AlertRule.implausible_hours: "More hours than a week holds",
    AlertRule.date_of_birth_conflict: "Date of birth in conflict",
    AlertRule.no_school_on_roll: "No school on roll",
    AlertRule.whereabouts_unknown: "Whereabouts unknown",
    AlertRule.provider_return_missing: "Provider's return missing",
}


class NamedProvider(BaseModel):
    provider_id: int
    provider_name: str


class Alert(BaseModel):
    upn: str
    rule: AlertRule
    reason: str = Field(description="What is wrong and what to do, in plain English.")
    since: date | None = Field(description="When the condition began or fell due.")
    provider_ids: list[int] = Field(description="The providers the alert is about, if any.")
    providers: list[NamedProvider] = Field(description="The same providers, with their names.")
    total_hours: Hours | None
    below_threshold: bool
    weeks_below: int
    last_reported_week: date | None


class LateReturn(BaseModel):
    """A provider that sent nothing for the last term week, not even a nil return."""

    rule: AlertRule = AlertRule.provider_return_missing
    provider_id: int
    provider_name: str
    week_commencing: date = Field(description="The term week it owes a return for.")
    children_due: int
    reason: str


class AlertList(BaseModel):
    week_commencing: date
    counts: Annotated[
        dict[AlertRule, int],
        # A closed object, so generated clients keep the rules' names as keys.
        WithJsonSchema(
            {
                "type": "object",
                "properties": {rule.value: {"type": "integer", "minimum": 0} for rule in AlertRule},
                "additionalProperties": False,
                "title": "AlertCounts",
            }
        ),
    ] = Field(
        description="The children or providers each rule finds (the rules `rule` names, or all)."
    )
    items: list[Alert]
    late_returns: list[LateReturn] = Field(
        description="Providers late with the last term week's return (provider_return_missing)."
    )
    truncated: bool = Field(description="More alerts matched than `limit`; narrow by `rule`.")
