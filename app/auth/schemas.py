"""Roles, principals and the auth API's payloads."""

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from app.inputs import Id, Text


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


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    scope: str


class ClientCreate(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    role: Role
    provider_id: Id | None = None


class ClientCreated(BaseModel):
    client_id: str
    client_secret: str = Field(description="Shown once; only a slow hash is kept.")
    name: str
    role: Role
    provider_id: int | None
