"""The shared page layout: templates, navigation by role, error pages and page headers."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from app.auth.schemas import Role
from app.people.service import SignedIn

SERVICE_NAME = "Children not in full-time education"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.trim_blocks = TEMPLATES.env.lstrip_blocks = True
# Codes as words on the pages: "la_officer" is "LA officer", "nil_return" is "Nil return".
TEMPLATES.env.filters["words"] = lambda code: (
    "LA officer" if code == "la_officer" else str(code or "").replace("_", " ").capitalize()
)
STATIC = Path(__file__).parent / "static"

# Pages load only the service's own styles, fonts and images; no script runs at all, so the
# pages work (and are tested) without JavaScript.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class NavItem:
    """A link in the service navigation, for the roles that may follow it."""

    label: str
    href: str
    roles: frozenset[Role]


OFFICE = frozenset({Role.admin, Role.la_officer})
NAVIGATION: list[NavItem] = [
    NavItem("Register", "/register", OFFICE),
    NavItem("Alerts", "/alerts", OFFICE),
    NavItem("Returns", "/returns", OFFICE),
    NavItem("Inspection list", "/inspection", OFFICE | {Role.inspector}),
    NavItem("Admin", "/admin", frozenset({Role.admin})),
    NavItem("Send a week", "/send", frozenset({Role.provider})),
    NavItem("What we sent", "/sent", frozenset({Role.provider})),
]
# Where `/` takes each role after signing in.
HOME_FOR: dict[Role, str] = {
    Role.admin: "/home",
    Role.la_officer: "/home",
    Role.inspector: "/inspection",
    Role.provider: "/send",
}


def page(
    request: Request,
    template: str,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the service's layout, with navigation for the signed-in person's role."""
    signed: SignedIn | None = getattr(request.state, "signed_in", None)
    role = Role(signed.person.role) if signed else None
    navigation = [item for item in NAVIGATION if role in item.roles]
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "service_name": SERVICE_NAME,
            "la_name": request.app.state.settings.la_name,
            "signed_in": signed,
            "csrf_token": signed.csrf_token if signed else None,
            "navigation": navigation,
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """A GOV.UK error page: what went wrong and what to do, never a stack trace."""
    return page(request, "error.html", title=title, status_code=status_code, message=message)


def too_large_page(scope: Scope, detail: str) -> HTMLResponse:
    """The page for a form (an upload) over the size limit, answered before it is read."""
    response = error_page(Request(scope), 413, "The file is too large", detail)
    response.headers.update(PAGE_HEADERS)
    return response
