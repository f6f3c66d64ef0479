"""People who sign in to the pages, administered by an admin client."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from app.auth.dependencies import AdminPrincipal
from app.database import SessionDep
from app.inputs import Id
from app.people.schemas import PersonCreate, PersonOut
from app.people.service import create_person, disable_person, list_people

router = APIRouter(prefix="/people", tags=["people"])
PersonIdPath = Annotated[Id, Path(examples=[3])]


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_person")
def add_person(
    body: PersonCreate, request: Request, session: SessionDep, _admin: AdminPrincipal
) -> PersonOut:
    """Add a person who signs in to the pages: with a `password`, a local account; without,
    someone the LA's identity provider signs in. Roles are as for clients."""
    return create_person(session, request=body, settings=request.app.state.settings)


@router.get("", operation_id="list_people")
def people(session: SessionDep, _admin: AdminPrincipal) -> list[PersonOut]:
    """Every person with their role, provider and state; passwords are never shown."""
    return list(list_people(session))


@router.post("/{person_id}/disable", operation_id="disable_person")
def disable(person_id: PersonIdPath, session: SessionDep, admin: AdminPrincipal) -> PersonOut:
    """Disable the person: they cannot sign in, and their open sessions end at once."""
    return disable_person(session, person_id=person_id, caller=admin)
