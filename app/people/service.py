"""People: local accounts, roles, and the sessions that sign them in to the pages."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.schemas import Principal, Role
from app.auth.service import (
    UNKNOWN_SECRET_HASH,
    check_provider_for_role,
    hash_secret,
    verify_secret,
)
from app.bulk import insert_into
from app.config import Settings
from app.errors import Conflict, NotFound
from app.models import Person, PersonSession
from app.people.schemas import PersonCreate, PersonOut


class SignInFailed(Exception):
    """Unknown address, wrong password, or a disabled person."""


def _utc(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def person_out(person: Person) -> PersonOut:
    """A person as an administrator sees them."""
    return PersonOut(
        id=person.id,
        email=person.email,
        name=person.name,
        role=Role(person.role),
        provider_id=person.provider_id,
        local_account=person.password_hash is not None,
        enabled=person.disabled_at is None,
        created_at=_utc(person.created_at),
        disabled_at=_utc(person.disabled_at) if person.disabled_at else None,
    )


def person_principal(person: Person) -> Principal:
    """The person as a caller: the same role model, and the same checks, as a client's."""
    return Principal(
        client_id=f"person-{person.id}", role=Role(person.role), provider_id=person.provider_id
    )


def create_person(session: Session, *, request: PersonCreate, settings: Settings) -> PersonOut:
    """A new person; with a password they have a local account."""
    check_provider_for_role(session, role=request.role, provider_id=request.provider_id)
    email = request.email.lower()
    if session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise Conflict(f"A person with the address {email} already exists.")
    person = Person(
        email=email,
        name=request.name,
        role=request.role,
        provider_id=request.provider_id,
        password_hash=(
            hash_secret(request.password, settings=settings) if request.password else None
        ),
    )
    session.add(person)
    session.flush()
    return person_out(person)


def list_people(session: Session) -> Sequence[PersonOut]:
    """Every person, by name."""
    people = session.scalars(select(Person).order_by(Person.name, Person.id)).all()
    return [person_out(person) for person in people]


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


def disable_person(session: Session, *, person_id: int, caller: Principal) -> PersonOut:
    """Disable a person and sign them out everywhere."""
    if caller.client_id == f"person-{person_id}":
        raise Conflict("A person cannot disable themselves; ask another administrator.")
    person = _person(session, person_id)
    if person.disabled_at is None:
        person.disabled_at = _now()
    session.execute(delete(PersonSession).where(PersonSession.person_id == person_id))
    session.flush()
    return person_out(person)


def set_role(session: Session, *, person_id: int, role: Role, provider_id: int | None) -> PersonOut:
    """Give a person another role; their open sessions take it on their next request."""
    check_provider_for_role(session, role=role, provider_id=provider_id)
    person = _person(session, person_id)
    person.role, person.provider_id = role, provider_id
    session.flush()
    return person_out(person)


def authenticate_person(session: Session, *, email: str, password: str) -> Person:
    """The enabled local account these credentials prove, or SignInFailed."""
    person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None or person.password_hash is None:
        verify_secret(UNKNOWN_SECRET_HASH, password)
    elif person.disabled_at is None and verify_secret(person.password_hash, password):
        return person
    raise SignInFailed


def ensure_admin_person(session: Session, *, email: str, password: str, settings: Settings) -> None:
    """Create the first administrator, or reset their password, role and state to the
    configured ones. Safe when several workers start at once."""
    email = email.lower()
    session.execute(
        insert_into(session, Person)
        .values(email=email, name="Administrator", role=Role.admin, password_hash="")
        .on_conflict_do_nothing(index_elements=["email"])
    )
    person = session.scalars(select(Person).where(Person.email == email).with_for_update()).one()
    if not verify_secret(person.password_hash, password):
        person.password_hash = hash_secret(password, settings=settings)
    person.role = Role.admin
    person.provider_id = None
    person.disabled_at = None
    session.flush()


def person_from_identity(
    session: Session, *, email: str, name: str, role: Role, provider_id: int | None
) -> Person:
    """The person the LA's identity provider signed in, created on first sign-in and given
    the role it names now; a disabled person stays disabled."""
    check_provider_for_role(session, role=role, provider_id=provider_id)
    email = email.lower()
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = Person(email=email, name=name, role=role, provider_id=provider_id)
        session.add(person)
    else:
        person.name, person.role, person.provider_id = name, role, provider_id
    session.flush()
    if person.disabled_at is not None:
        raise SignInFailed
    return person


@dataclass(frozen=True)
class SignedIn:
    """A signed-in person, with their session's form token."""

    person: Person
    csrf_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, person: Person) -> tuple[str, SignedIn]:
    """A new session for the person: the cookie's token (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    session.add(
        PersonSession(
            token_hash=_token_hash(token),
            person_id=person.id,
            csrf_token=csrf_token,
            last_seen_at=_now(),
        )
    )
    session.flush()
    return token, SignedIn(person=person, csrf_token=csrf_token)


def resume_session(session: Session, *, token: str, idle: timedelta) -> SignedIn | None:
    """The person a session cookie signs in, if the session is open, has not been idle too
    long, and its person is enabled; the session's idle clock starts again."""
    row = session.execute(
        select(PersonSession, Person)
        .join(Person, Person.id == PersonSession.person_id)
        .where(PersonSession.token_hash == _token_hash(token))
    ).one_or_none()
    if row is None:
        return None
    person_session, person = row
    now = _now()
    if person.disabled_at is not None or _utc(person_session.last_seen_at) + idle < now:
        session.delete(person_session)
        return None
    person_session.last_seen_at = now
    return SignedIn(person=person, csrf_token=person_session.csrf_token)


def end_session(session: Session, *, token: str) -> None:
    """Sign the session out: its cookie is refused from now on."""
    session.execute(delete(PersonSession).where(PersonSession.token_hash == _token_hash(token)))
