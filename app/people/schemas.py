"""The people API's payloads."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.auth.schemas import Role
from app.inputs import Id, Text

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MIN_PASSWORD = 12


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Text = Field(max_length=254, pattern=EMAIL_PATTERN, examples=["a.officer@la.gov.uk"])
    name: Text = Field(min_length=1, max_length=200, examples=["Alex Officer"])
    role: Role
    provider_id: Id | None = Field(default=None, description="Required for role provider.")
    password: Text | None = Field(
        default=None,
        min_length=MIN_PASSWORD,
        max_length=200,
        examples=["correct-horse-battery-staple"],
        description="For a local account; leave out for people who sign in with the LA's "
        "identity provider.",
    )


class PersonOut(BaseModel):
    """A person as an administrator sees them; never their password or its hash."""

    id: int
    email: str = Field(examples=["a.officer@la.gov.uk"])
    name: str = Field(examples=["Alex Officer"])
    role: Role
    provider_id: int | None
    local_account: bool = Field(description="Signs in with a password kept by the register.")
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None
