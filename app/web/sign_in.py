"""Signing in with a local account, signing out, and where `/` leads."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app.auth.schemas import Role
from app.auth.throttle import TokenThrottle
from app.database import SessionDep
from app.errors import TooManyRequests
from app.models import Person
from app.people.service import (
    SignInFailed,
    authenticate_person,
    end_session,
    person_principal,
    start_session,
)
from app.web.rendering import HOME_FOR, page
from app.web.routing import PageRoute
from app.web.session import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    NoAccess,
    SignedInDep,
    StaleForm,
    local_path,
)

router = APIRouter(route_class=PageRoute)


@router.get("/")
def start(signed: SignedInDep) -> RedirectResponse:
    """The signed-in person's home page (signing in first if need be)."""
    home = HOME_FOR.get(Role(signed.person.role))
    if home is None:
        raise NoAccess
    return RedirectResponse(home, status_code=303)


def _sign_in_page(
    request: Request, *, next_path: str, email: str = "", error: str | None = None
) -> HTMLResponse:
    form_token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "sign_in.html",
        title="Sign in",
        status_code=200 if error is None else 400,
        form_token=form_token,
        next_path=next_path,
        email=email,
        error=error,
        error_summary={"email": error} if error else None,
        oidc_enabled=request.app.state.settings.oidc_issuer is not None,
    )
    set_cookie(request, response, SIGN_IN_COOKIE, form_token, max_age=3600)
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    """Set one of the service's cookies: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    # Secure whenever the browser reached us over HTTPS (directly or through the LA's proxy).
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The local sign-in form."""
    return _sign_in_page(request, next_path=local_path(next))


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Sign in with an email address and password; failures are throttled as token
    requests are, per address typed and per source address."""
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if not expected or not secrets.compare_digest(csrf_token, expected):
        raise StaleForm
    next_path = local_path(next)
    if not email.strip() or not password:
        return _sign_in_page(
            request,
            next_path=next_path,
            email=email,
            error="Enter your email address and password",
        )
    throttle: TokenThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    key = email.strip().lower()
    try:
        throttle.check(client_id=key, address=address)
        person = authenticate_person(session, email=email, password=password)
    except TooManyRequests:
        return _sign_in_page(
            request,
            next_path=next_path,
            email=email,
            error="Too many failed attempts to sign in. Wait a minute, then try again",
        )
    except SignInFailed:
        throttle.failed(client_id=key, address=address)
        return _sign_in_page(
            request,
            next_path=next_path,
            email=email,
            error="Enter a correct email address and password",
        )
    return signed_in_response(request, session, person=person, next_path=next_path)


def signed_in_response(
    request: Request, session: Session, *, person: Person, next_path: str
) -> Response:
    """Start a session for the person and send them on to where they were going."""
    token, signed = start_session(session, person=person)
    request.state.principal = person_principal(person)
    request.state.signed_in = signed
    response = RedirectResponse(next_path, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token)
    # A new form token for the next sign-in, so a copied sign-in form cannot be replayed.
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.get("/sign-out")
def sign_out(request: Request, session: SessionDep) -> Response:
    """End the session and go back to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(session, token=token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
