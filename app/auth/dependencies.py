"""Who is calling, and the one place each role check is spelled out."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param

from app.auth.schemas import Principal, Role
from app.auth.service import principal_from_token
from app.database import SessionDep
from app.errors import Forbidden, Unauthorized

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
_oauth2 = OAuth2(
    flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL)),
    scheme_name="clientCredentials",
    description="OAuth2 client credentials: exchange the client's id and secret at "
    f"`{TOKEN_URL}` for a bearer token, sent as `Authorization: Bearer <token>`.",
    auto_error=False,
)


def current_principal(
    request: Request,
    session: SessionDep,
    authorization: Annotated[str | None, Depends(_oauth2)],
) -> Principal:
    """The caller proven by the bearer token."""
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(f"Send 'Authorization: Bearer <token>'; get one from {TOKEN_URL}.")
    principal = principal_from_token(token, session=session, settings=request.app.state.settings)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class RoleCheck:
    """A dependency admitting only the given roles; the API description lists them."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.role not in self.roles:
            raise Forbidden(f"Role {principal.role.value} may not use this endpoint.")
        return principal


def allow(*roles: Role) -> object:
    """A dependency admitting only the given roles."""
    return Depends(RoleCheck(*roles))


AdminPrincipal = Annotated[Principal, allow(Role.admin)]
OfficerPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer)]
WriterPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.provider)]
PupilReaderPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.provider)]
ExtractPrincipal = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.inspector)]
