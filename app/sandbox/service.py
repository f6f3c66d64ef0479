"""Generating and clearing a sandbox's synthetic register. Clearing deletes the history too,
which is append-only everywhere: so this runs only where REGISTER_ENV is `sandbox`, and the
audit trail (who generated and cleared, and when) is kept even there."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.auth.schemas import ClientCreate, Role
from app.auth.service import create_client
from app.config import Settings
from app.demo import DEMO_PROVIDERS, load_la, synthetic_la
from app.errors import Conflict
from app.models import (
    ApiClient,
    ClosureDay,
    DateOfBirthConflict,
    NilReturn,
    Provider,
    Provision,
    ProvisionEnd,
    ProvisionRecord,
    ProvisionVersion,
    Pupil,
    PupilWeek,
    Revision,
    Term,
    UpnChange,
    WeekTally,
)
from app.register.service import bump_register_version
from app.sandbox.schemas import Cleared, TestData, TestDataRequest

# Children's data, each table before those it refers to.
REGISTER_TABLES = (
    WeekTally,
    PupilWeek,
    Provision,
    UpnChange,
    ProvisionVersion,
    Revision,
    NilReturn,
    DateOfBirthConflict,
    ProvisionRecord,
    ProvisionEnd,
    Pupil,
    Term,
    ClosureDay,
)


def generate(session: Session, *, request: TestDataRequest, settings: Settings) -> TestData:
    """A synthetic LA through the API's own ingest, and a client for each of its providers."""
    if session.scalar(select(func.count()).select_from(Pupil)):
        raise Conflict("The sandbox already holds children: clear it first.")
    la = synthetic_la(
        children=request.children, providers=DEMO_PROVIDERS, weeks=request.weeks, seed=request.seed
    )
    loaded = load_la(lambda: _savepoint(session), la, settings=settings)
    names = dict(session.execute(select(Provider.id, Provider.name)).all())
    clients = [
        create_client(
            session,
            request=ClientCreate(name=f"{names[id]} (sandbox)", role=Role.provider, provider_id=id),
            settings=settings,
        )
        for id in loaded.provider_ids
    ]
    return TestData(summary=loaded.summary, clients=clients)


def clear(session: Session) -> Cleared:
    """Remove every child, record, end, version, provider and provider client."""
    provider_clients = ApiClient.provider_id.is_not(None)
    cleared = Cleared(
        children=session.scalar(select(func.count()).select_from(Pupil)) or 0,
        providers=session.scalar(select(func.count()).select_from(Provider)) or 0,
        clients=session.scalar(select(func.count()).where(provider_clients)) or 0,
    )
    with _history_unlocked(session):
        for table in REGISTER_TABLES:
            session.execute(delete(table))
    session.execute(delete(ApiClient).where(provider_clients))
    session.execute(delete(Provider))
    bump_register_version(session)  # nothing cached from before stays in use
    return cleared


@contextmanager
def _savepoint(session: Session) -> Iterator[Session]:
    with session.begin_nested():
        yield session


@contextmanager
def _history_unlocked(session: Session) -> Iterator[None]:
    """The history's append-only triggers, off for this transaction only."""
    table = ProvisionVersion.__tablename__
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    # SQLite's DDL is transactional: the triggers are dropped and made again as they were.
    triggers = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table},
    ).all()
    for name, _ in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        session.execute(text(sql))
