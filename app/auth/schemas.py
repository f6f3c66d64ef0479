"""Roles, principals and the auth API's payloads."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Id, Text

# A week: long enough for an MIS supplier to deploy a new secret, short enough to matter.
MAX_GRACE_SECONDS = 7 * 24 * 3600


class Role(StrEnum):
    admin = "admin"
    la_officer = "la_officer"
    provider = "provider"
    inspector = "inspector"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by their token."""

    client_id: str
    role: Role
    provider_id: int | None


class TokenRequest(BaseModel):
    """An OAuth2 client-credentials token request (RFC 6749 §4.4), sent as a form. The client
    authenticates by HTTP Basic or by `client_id` and `client_secret` here, not both."""

    grant_type: Literal["client_credentials"]
    client_id: Text | None = Field(
        default=None, min_length=1, max_length=64, examples=["provider-3f9a1c2b4d5e6f70"]
    )
    client_secret: Text | None = Field(
        default=None, min_length=1, max_length=200, examples=["s3cr3t-shown-once"]
    )
    scope: Text | None = Field(
        default=None, max_length=200, description="Ignored: a token's scope is its client's role."
    )


class TokenResponse(BaseModel):
    access_token: str = Field(examples=["eyJhbGciOiJIUzI1NiIsImtpZCI6IjFhMmIzYzRkIn0.e30.sig"])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds the token is valid.", examples=[900])
    scope: str = Field(description="The client's role.", examples=["provider"])


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, examples=["Oak Primary School MIS"])
    role: Role
    provider_id: Id | None = Field(default=None, description="Required for role provider.")


class ClientCreated(BaseModel):
    client_id: str = Field(examples=["provider-3f9a1c2b4d5e6f70"])
    client_secret: str = Field(
        description="Shown once; only a slow hash is kept.", examples=["s3cr3t-shown-once"]
    )
    name: str = Field(examples=["Oak Primary School MIS"])
    role: Role
    provider_id: int | None


class ClientOut(BaseModel):
    """A client as an administrator sees it; its secret is never shown again."""

    client_id: str = Field(examples=["provider-3f9a1c2b4d5e6f70"])
    name: str = Field(examples=["Oak Primary School MIS"])
    role: Role
    provider_id: int | None
    created_at: datetime
    enabled: bool = Field(description="A disabled client gets no tokens; its tokens are refused.")
    disabled_at: datetime | None
    secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="While set, the secret before the last rotation still works until then."
    )


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_period_seconds: int = Field(
        default=0,
        ge=0,
        le=MAX_GRACE_SECONDS,
        description="How long the old secret keeps working. 0 (the default) stops it, and "
        "every token issued with it, at once: use 0 for a leaked secret.",
        examples=[86400],
    )


class SecretRotated(BaseModel):
    client_id: str = Field(examples=["provider-3f9a1c2b4d5e6f70"])
    client_secret: str = Field(
        description="The new secret, shown once.", examples=["n3w-s3cr3t-shown-once"]
    )
    previous_secret_expires_at: datetime | None = Field(
        description="When the old secret stops working; null when it already has."
    )
