"""Signing in with the LA's identity provider: OpenID Connect authorization code with PKCE.

The state, nonce and code verifier travel in a short-lived cookie signed with the service's
key, so any replica can finish a sign-in another began. The ID token is checked with joserfc
(Authlib's JOSE library) against the provider's published keys, the configured issuer, our
client id and the nonce."""

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from jose import JWTError, jwt
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.auth.schemas import Role
from app.config import Settings
from app.database import SessionDep
from app.errors import ProblemError
from app.people.service import SignInFailed, person_from_identity
from app.web.rendering import error_page
from app.web.routing import PageRoute
from app.web.session import NoAccess, local_path
from app.web.sign_in import set_cookie, signed_in_response

router = APIRouter(route_class=PageRoute)
FLOW_COOKIE = "register_oidc"
FLOW_SECONDS = 600
TIMEOUT = 10
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


class SignInRefused(Exception):
    """The identity provider's answer cannot be trusted or used; nothing was created."""


def _discovery(settings: Settings) -> dict[str, Any]:
    assert settings.oidc_issuer
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    document: dict[str, Any] = httpx.get(url, timeout=TIMEOUT).raise_for_status().json()
    if document.get("issuer") != settings.oidc_issuer:
        raise SignInRefused("the provider's discovery document names another issuer")
    return document


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _signing_key(settings: Settings) -> str:
    return settings.jwt_signing_key.get_secret_value()


@router.get("/sign-in/oidc")
def begin(request: Request, next: str | None = None) -> Response:
    """Send the browser to the LA's identity provider."""
    settings: Settings = request.app.state.settings
    if not settings.oidc_issuer or not settings.oidc_client_id:
        return error_page(
            request, 404, "Page not found", "Sign-in with an identity provider is off."
        )
    flow = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": local_path(next),
        "exp": int(time.time()) + FLOW_SECONDS,
    }
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": str(request.url_for("oidc_callback")),
        "scope": "openid email profile",
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": _challenge(str(flow["verifier"])),
        "code_challenge_method": "S256",
    }
    authorize = _discovery(settings)["authorization_endpoint"]
    response = RedirectResponse(f"{authorize}?{urlencode(query)}", status_code=303)
    token = jwt.encode(flow, _signing_key(settings), algorithm="HS256")
    set_cookie(request, response, FLOW_COOKIE, token, max_age=FLOW_SECONDS)
    return response


@router.get("/sign-in/oidc/callback", name="oidc_callback")
def callback(
    request: Request,
    session: SessionDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Finish signing in: check everything the provider sent, then start a session."""
    settings: Settings = request.app.state.settings
    try:
        flow = _flow(request, settings, state)
        if error or not code:
            raise SignInRefused(f"the identity provider answered {error or 'without a code'}")
        claims = _id_token_claims(request, settings, code=code, flow=flow)
        role = _role(settings, claims)
        provider_id = claims.get(settings.oidc_provider_claim) if role is Role.provider else None
        person = person_from_identity(
            session,
            email=str(claims["email"]),
            name=str(claims.get("name") or claims["email"]),
            role=role,
            provider_id=int(provider_id) if provider_id is not None else None,
        )
    except NoAccess:
        raise
    except (SignInRefused, SignInFailed, ProblemError, KeyError, ValueError, httpx.HTTPError):
        session.rollback()
        refused = error_page(
            request,
            400,
            "Sign-in failed",
            "The sign-in could not be completed and nothing was changed. Start again from the "
            "sign-in page.",
        )
        refused.delete_cookie(FLOW_COOKIE, path="/")
        return refused
    response = signed_in_response(request, session, person=person, next_path=flow["next"])
    response.delete_cookie(FLOW_COOKIE, path="/")
    return response


def _flow(request: Request, settings: Settings, state: str | None) -> dict[str, Any]:
    """The sign-in this browser began, if the state it returns is that sign-in's."""
    token = request.cookies.get(FLOW_COOKIE)
    if not token or not state:
        raise SignInRefused("no sign-in was begun in this browser")
    try:
        flow: dict[str, Any] = jwt.decode(token, _signing_key(settings), algorithms=["HS256"])
    except JWTError as exc:
        raise SignInRefused("the sign-in expired or was tampered with") from exc
    if not secrets.compare_digest(str(flow["state"]), state):
        raise SignInRefused("the state differs from the one sent")
    return flow


def _id_token_claims(
    request: Request, settings: Settings, *, code: str, flow: dict[str, Any]
) -> dict[str, Any]:
    """Exchange the code (with the PKCE verifier) and verify the ID token it returns."""
    assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
    discovery = _discovery(settings)
    answer = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": str(request.url_for("oidc_callback")),
            "code_verifier": flow["verifier"],
        },
        auth=(settings.oidc_client_id, settings.oidc_client_secret.get_secret_value()),
        timeout=TIMEOUT,
    )
    if answer.status_code != 200:
        raise SignInRefused("the identity provider refused the code")
    keys = KeySet.import_key_set(httpx.get(discovery["jwks_uri"], timeout=TIMEOUT).json())
    try:
        token = jose_jwt.decode(answer.json()["id_token"], keys, algorithms=ID_TOKEN_ALGORITHMS)
        jose_jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": settings.oidc_issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            nonce={"essential": True, "value": flow["nonce"]},
            exp={"essential": True},
        ).validate(token.claims)
    except JoseError as exc:
        raise SignInRefused(f"the ID token was refused: {exc}") from exc
    claims = token.claims
    return dict(claims)


def _role(settings: Settings, claims: dict[str, Any]) -> Role:
    """The register role the configured claim maps to, or NoAccess."""
    values = claims.get(settings.oidc_role_claim)
    for value in [values] if isinstance(values, str) else values or []:
        mapped = settings.oidc_role_values.get(str(value), "")
        if mapped in Role.__members__:
            return Role(mapped)
    raise NoAccess
