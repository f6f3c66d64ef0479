"""Administration: providers, machine clients (a new or rotated secret shown once) and the
people who sign in, through the same services as the admin API."""

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.auth.schemas import ClientCreate, Role
from app.auth.service import create_client, list_clients, rotate_secret, set_enabled
from app.database import SessionDep
from app.inputs import Id
from app.people.schemas import PersonCreate
from app.people.service import (
    create_person,
    disable_person,
    list_people,
    person_principal,
    set_role,
)
from app.providers.schemas import ProviderCreate
from app.providers.service import create_provider, list_providers
from app.vocabulary import ProviderKind
from app.web.forms import attempt
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import AdminPage, CheckedForm

router = APIRouter(route_class=PageRoute)
ClientIdPath = Annotated[str, Path(max_length=64)]
PersonIdPath = Annotated[Id, Path()]
DONE = {
    "provider": "The provider was added.",
    "person": "The person was added. They can sign in now.",
    "disabled": "Disabled. Their sign-ins and tokens are refused from now on.",
    "role": "The role was changed.",
}


def admin_page(
    request: Request,
    session: Session,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    secret: Mapping[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The admin page; with ``secret``, a client's new secret, shown this once."""
    return page(
        request,
        "admin.html",
        title="Admin",
        status_code=400 if errors else 200,
        error_summary=errors or None,
        errors=errors or {},
        values=values or {},
        secret=secret,
        done=DONE.get(done or ""),
        providers=list_providers(session),
        clients=list_clients(session),
        people=list_people(session),
        roles=list(Role),
        kinds=list(ProviderKind),
    )


@router.get("/admin")
def admin(
    request: Request, session: SessionDep, _signed: AdminPage, done: str | None = None
) -> HTMLResponse:
    """Providers, clients and people."""
    return admin_page(request, session, done=done)


def _attempt(
    request: Request,
    session: Session,
    *,
    prefix: str,
    fields: list[str],
    values: Mapping[str, Any],
    act: Callable[[], Response],
) -> Response:
    """Do the change, or show the admin page with what to fix; nothing half-done."""
    shown = {prefix + name: value for name, value in values.items()}

    def refused(errors: dict[str, str]) -> Response:
        return admin_page(request, session, errors=errors, values=shown)

    return attempt(session, act, refused, fields=fields, prefix=prefix)


def _form(**values: str) -> dict[str, str | None]:
    # An empty field is an absent one, as in the API's JSON.
    return {name: value.strip() or None for name, value in values.items()}


def _done(what: str) -> RedirectResponse:
    return RedirectResponse(f"/admin?done={what}", status_code=303)


@router.post("/admin/providers")
def add_provider(
    request: Request,
    session: SessionDep,
    _form_checked: CheckedForm,
    _admin: AdminPage,
    name: Annotated[str, Form(max_length=300)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    urn: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add a provider."""
    sent = _form(name=name, kind=kind, urn=urn)

    def act() -> Response:
        create_provider(session, request=ProviderCreate.model_validate(sent))
        return _done("provider")

    return _attempt(
        request, session, prefix="provider-", fields=["name", "kind", "urn"], values=sent, act=act
    )


@router.post("/admin/clients")
def add_client(
    request: Request,
    session: SessionDep,
    _form_checked: CheckedForm,
    _admin: AdminPage,
    name: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    provider_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Register a machine client; its secret is shown on the page this once."""
    sent = _form(name=name, role=role, provider_id=provider_id)

    def act() -> Response:
        created = create_client(
            session,
            request=ClientCreate.model_validate(sent),
            settings=request.app.state.settings,
        )
        secret = {"client_id": created.client_id, "client_secret": created.client_secret}
        return admin_page(request, session, secret=secret)

    fields = ["name", "role", "provider_id"]
    return _attempt(request, session, prefix="client-", fields=fields, values=sent, act=act)


@router.post("/admin/clients/{client_id}/rotate")
def rotate_client_secret(
    client_id: ClientIdPath,
    request: Request,
    session: SessionDep,
    _form_checked: CheckedForm,
    _admin: AdminPage,
) -> HTMLResponse:
    """Give a client a new secret (the old one stops at once), shown this once."""
    rotated = rotate_secret(
        session, client_id=client_id, grace_seconds=0, settings=request.app.state.settings
    )
    secret = {"client_id": rotated.client_id, "client_secret": rotated.client_secret}
    return admin_page(request, session, secret=secret)


@router.post("/admin/clients/{client_id}/disable")
def disable_client(
    client_id: ClientIdPath, session: SessionDep, signed: CheckedForm, _admin: AdminPage
) -> RedirectResponse:
    """Disable a machine client."""
    caller = person_principal(signed.person).client_id
    set_enabled(session, client_id=client_id, enabled=False, caller=caller)
    return _done("disabled")


@router.post("/admin/people")
def add_person(
    request: Request,
    session: SessionDep,
    _form_checked: CheckedForm,
    _admin: AdminPage,
    email: Annotated[str, Form(max_length=300)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    provider_id: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Add a person; with a password they have a local account."""
    sent = _form(email=email, name=name, role=role, provider_id=provider_id, password=password)

    def act() -> Response:
        create_person(
            session,
            request=PersonCreate.model_validate(sent),
            settings=request.app.state.settings,
        )
        return _done("person")

    fields = ["email", "name", "role", "provider_id", "password"]
    shown = sent | {"password": None}  # never sent back to the browser
    return _attempt(request, session, prefix="person-", fields=fields, values=shown, act=act)


@router.post("/admin/people/{person_id}/disable")
def disable(
    person_id: PersonIdPath, session: SessionDep, signed: CheckedForm, _admin: AdminPage
) -> RedirectResponse:
    """Disable a person; their sessions end at once."""
    disable_person(session, person_id=person_id, caller=person_principal(signed.person))
    return _done("disabled")


class _RoleChange(BaseModel):
    role: Role
    provider_id: Id | None = None


@router.post("/admin/people/{person_id}/role")
def change_role(
    person_id: PersonIdPath,
    request: Request,
    session: SessionDep,
    _form_checked: CheckedForm,
    _admin: AdminPage,
    role: Annotated[str, Form(max_length=20)] = "",
    provider_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Give a person another role."""
    sent = _form(role=role, provider_id=provider_id)

    def act() -> Response:
        change = _RoleChange.model_validate(sent)
        set_role(session, person_id=person_id, role=change.role, provider_id=change.provider_id)
        return _done("role")

    prefix = f"role-{person_id}-"
    return _attempt(
        request, session, prefix=prefix, fields=["role", "provider_id"], values=sent, act=act
    )
