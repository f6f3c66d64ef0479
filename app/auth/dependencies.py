"""Who is calling, and the one place each role check is spelled out."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.schemas import Principal, Role
from app.auth.service import principal_from_token
from app.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/token")


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller proven by the bearer token."""
    if credentials is None:
        raise Unauthorized("Send 'Authorization: Bearer <token>'; get one from /api/v1/auth/token.")
    principal = principal_from_token(credentials.credentials, settings=request.app.state.settings)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def allow(*roles: Role) -> object:
    """A dependency admitting only the given roles."""

    def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"Role {principal.role.value} may not use this endpoint.")
        return principal

    return Depends(_check)


AdminPrincipal = Annotated[Principal, allow(Role.admin)]
OfficerPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer)]
WriterPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.provider)]
PupilReaderPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.provider)]
ExtractPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.inspector)]
