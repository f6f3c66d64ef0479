"""Who is signed in to the pages, what they may open, and the forms' CSRF check."""

import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from app.auth.schemas import Role
from app.database import SessionDep
from app.people.service import SignedIn, person_principal, resume_session

SESSION_COOKIE = "register_session"
# Before sign-in there is no session to hold the form token, so the browser keeps it.
SIGN_IN_COOKIE = "register_sign_in"
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """No open session: the browser is sent to sign in, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The signed-in person's role may not open this page or send this form."""


class NoAccess(Exception):
    """Signed in by the identity provider, but given no role in the register."""


class StaleForm(Exception):
    """A form without the session's CSRF token: refused, nothing changed."""


def asked_for(request: Request) -> str:
    """The path and query the browser asked for, to come back to after signing in."""
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def local_path(next_path: str | None) -> str:
    """A path on this service to go to, never another site (an open redirect)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


def sign_in_url(next_path: str) -> str:
    """The sign-in page, returning to `next_path` afterwards."""
    return "/sign-in?next=" + quote(next_path, safe="")


def signed_in(request: Request, session: SessionDep) -> SignedIn:
    """The person the session cookie signs in (never a bearer token); the request is theirs
    for the audit trail and every role check."""
    token = request.cookies.get(SESSION_COOKIE)
    idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
    signed = resume_session(session, token=token, idle=idle) if token else None
    if signed is None:
        raise SignInRequired(asked_for(request))
    request.state.principal = person_principal(signed.person)
    request.state.signed_in = signed
    return signed


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


class PageFor:
    """A dependency admitting people with the given roles, as RoleCheck admits clients."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    def __call__(self, signed: SignedInDep) -> SignedIn:
        if signed.person.role not in self.roles:
            raise PageForbidden
        return signed


def page_for(*roles: Role) -> object:
    """A dependency admitting only people with these roles."""
    return Depends(PageFor(*roles))


OfficerPage = Annotated[SignedIn, page_for(Role.admin, Role.la_officer)]
InspectionPage = Annotated[SignedIn, page_for(Role.admin, Role.la_officer, Role.inspector)]
AdminPage = Annotated[SignedIn, page_for(Role.admin)]
ProviderPage = Annotated[SignedIn, page_for(Role.provider)]


async def checked_form(request: Request, signed: SignedInDep) -> SignedIn:
    """The signed-in person, once their form carries this session's CSRF token."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent, signed.csrf_token):
        raise StaleForm
    return signed


CheckedForm = Annotated[SignedIn, Depends(checked_form)]
