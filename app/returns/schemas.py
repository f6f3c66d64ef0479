"""Returns compliance: who owes the LA a weekly return, and who sent it."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Id
from app.vocabulary import Monday, ProviderKind


class ReturnStatus(StrEnum):
    received = "received"  # a record for every child due
    partial = "partial"  # records for some of the children due
    missing = "missing"  # children due, nothing sent
    nil_return = "nil_return"  # nothing due, and the provider said so


class NilReturnIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"week_commencing": "2026-11-16"}]},
    )

    week_commencing: Monday
    provider_id: Id | None = Field(
        default=None, description="The provider, when an LA officer records it; else your own."
    )


class NilReturnOut(BaseModel):
    provider_id: int
    week_commencing: date


class ChildDue(BaseModel):
    upn: str
    week_commencing: date


class ReturnLine(BaseModel):
    provider_id: int
    provider_name: str
    provider_kind: ProviderKind
    children_due: int = Field(description="Children whose provision with it was open that week.")
    children_returned: int = Field(description="Of those, children it sent a record for.")
    status: ReturnStatus
    children_missing: list[ChildDue] = Field(
        default=[],
        description="Children due that week with no record from it yet (`partial`, `missing`).",
    )


class Returns(BaseModel):
    week_commencing: date
    term_week: bool = Field(description="Returns are due only for weeks with school days.")
    due_by: date = Field(
        description="The last day the week's return is on time (REGISTER_RETURN_DUE_DAYS "
        "working days after the week ends)."
    )
    late: bool = Field(description="The due day has passed: `partial` and `missing` are late.")
    providers: list[ReturnLine]
