"""Providers as the API shows them."""

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Text
from app.vocabulary import ProviderKind


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, examples=["Oak Primary School"])
    kind: ProviderKind
    urn: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="6-digit URN", examples=["100001"]
    )
    laestab: str | None = Field(
        default=None,
        pattern=r"^\d{7}$",
        description="LA number and establishment number",
        examples=["8012000"],
    )


class ProviderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: ProviderKind
    urn: str | None
    laestab: str | None
