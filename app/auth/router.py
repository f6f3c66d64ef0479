"""Tokens (OAuth2 client credentials) and the lifecycle of API clients."""

import base64
import binascii
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param

from app.auth.dependencies import AdminPrincipal
from app.auth.schemas import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    SecretRotated,
    SecretRotation,
    TokenRequest,
    TokenResponse,
)
from app.auth.service import (
    authenticate,
    create_client,
    issue_token,
    list_clients,
    rotate_secret,
    set_enabled,
)
from app.auth.throttle import TokenThrottle
from app.database import SessionDep
from app.errors import (
    PROBLEM_JSON,
    InvalidClient,
    InvalidRequest,
    OAuthError,
    UnsupportedGrantType,
    render_problem,
    validation_entries,
)

MAX_CLIENT_ID, MAX_CLIENT_SECRET = 64, 200


class TokenRoute(APIRoute):
    """Token requests are refused as RFC 6749 §5.2 says (400 with an `error`), not with 422."""

    invalid_input_status = 400

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def refuse_as_oauth(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = validation_entries(exc)
                if any(error["type"] == "literal_error" for error in exc.errors()):
                    raise UnsupportedGrantType(
                        "Only grant_type=client_credentials is supported.", errors=errors
                    ) from exc
                raise InvalidRequest(
                    "The token request is incomplete or malformed.", errors=errors
                ) from exc

        return refuse_as_oauth


def _oauth_problem(error: OAuthError, description: str) -> dict[str, Any]:
    """A token endpoint response as the API description shows it."""
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"example": json.loads(bytes(render_problem(error).body))}},
    }


token_router = APIRouter(tags=["auth"], route_class=TokenRoute)
router = APIRouter(prefix="/clients", tags=["clients"])
ClientIdPath = Annotated[
    str, Path(min_length=1, max_length=MAX_CLIENT_ID, examples=["provider-3f9a1c2b4d5e6f70"])
]


@token_router.post(
    "/auth/token",
    operation_id="issue_token",
    responses={
        400: _oauth_problem(
            UnsupportedGrantType("Only grant_type=client_credentials is supported."),
            "`invalid_request` or `unsupported_grant_type` (RFC 6749 §5.2).",
        ),
        401: _oauth_problem(
            InvalidClient("Unknown client, wrong secret, or a disabled client."),
            "`invalid_client`: unknown client, wrong secret or disabled client.",
        ),
        429: {"description": "Too many failed token requests for this client or address."},
    },
    openapi_extra={"security": [{"clientBasic": []}, {}]},
)
def token(
    request: Request,
    response: Response,
    session: SessionDep,
    form: Annotated[TokenRequest, Form()],
) -> TokenResponse:
    """Exchange client credentials for a short-lived bearer token (OAuth2 client credentials,
    RFC 6749 §4.4). Authenticate the client with HTTP Basic (`client_secret_basic`) or with
    `client_id` and `client_secret` in the form (`client_secret_post`). Failed requests are
    limited per client and per address; past the limit the answer is 429."""
    client_id, client_secret = _client_credentials(request.headers.get("authorization"), form)
    address = request.client.host if request.client else "unknown"
    throttle: TokenThrottle = request.app.state.token_throttle
    request.state.client_id = client_id
    throttle.check(client_id=client_id, address=address)
    try:
        client = authenticate(session, client_id=client_id, client_secret=client_secret)
    except InvalidClient as exc:
        exc.headers |= throttle.failed(client_id=client_id, address=address)
        raise
    response.headers["Pragma"] = "no-cache"
    return issue_token(client, settings=request.app.state.settings)


def _client_credentials(authorization: str | None, form: TokenRequest) -> tuple[str, str]:
    """The client's id and secret, from HTTP Basic (RFC 6749 §2.3.1) or from the form."""
    scheme, encoded = get_authorization_scheme_param(authorization)
    if scheme.lower() != "basic":
        if not form.client_id or not form.client_secret:
            raise InvalidClient("Authenticate the client by HTTP Basic or in the form.")
        return form.client_id, form.client_secret
    if form.client_secret is not None:
        raise InvalidRequest("Authenticate the client by HTTP Basic or in the form, not both.")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    raw_id, colon, raw_secret = decoded.partition(":")
    # Basic credentials are form-encoded before base64 (RFC 6749 §2.3.1).
    client_id, client_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    if not (
        colon
        and 0 < len(client_id) <= MAX_CLIENT_ID
        and 0 < len(client_secret) <= MAX_CLIENT_SECRET
        and "\x00" not in client_id + client_secret
    ):
        raise InvalidClient("Malformed HTTP Basic client credentials.")
    if form.client_id not in (None, client_id):
        raise InvalidRequest("client_id in the form differs from the HTTP Basic one.")
    return client_id, client_secret


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_client")
def register_client(
    body: ClientCreate, request: Request, session: SessionDep, _admin: AdminPrincipal
) -> ClientCreated:
    """Register an API client; its secret is shown once in this response and never again."""
    return create_client(session, request=body, settings=request.app.state.settings)


@router.get("", operation_id="list_clients")
def clients(session: SessionDep, _admin: AdminPrincipal) -> list[ClientOut]:
    """Every API client with its role, provider and state; secrets are never shown."""
    return list(list_clients(session))


@router.post("/{client_id}/secret", operation_id="rotate_client_secret")
def rotate(
    client_id: ClientIdPath,
    request: Request,
    session: SessionDep,
    _admin: AdminPrincipal,
    body: SecretRotation | None = None,
) -> SecretRotated:
    """Give the client a new secret, shown once. By default the old secret and every token
    issued with it stop at once (a leaked secret); with `grace_period_seconds` the old secret
    keeps working until then, so the MIS can switch without a gap."""
    return rotate_secret(
        session,
        client_id=client_id,
        grace_seconds=(body or SecretRotation()).grace_period_seconds,
        settings=request.app.state.settings,
    )


@router.post("/{client_id}/disable", operation_id="disable_client")
def disable(client_id: ClientIdPath, session: SessionDep, admin: AdminPrincipal) -> ClientOut:
    """Disable the client: it gets no new tokens, and its existing tokens are refused on
    their next request."""
    return set_enabled(session, client_id=client_id, enabled=False, caller=admin.client_id)


@router.post("/{client_id}/enable", operation_id="enable_client")
def enable(client_id: ClientIdPath, session: SessionDep, admin: AdminPrincipal) -> ClientOut:
    """Enable a disabled client again (its secret is unchanged)."""
    return set_enabled(session, client_id=client_id, enabled=True, caller=admin.client_id)
