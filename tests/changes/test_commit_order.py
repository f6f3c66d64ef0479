"""The feed never skips a change that commits after a later-begun one (PostgreSQL only: SQLite
lets one writer at a time, so there is no such interleaving to see)."""

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session

from app.history.service import RECORD_FIELDS, History, record_details
from app.models import Provider, ProvisionVersion, Pupil, Revision
from app.register.service import bump_register_version
from tests.builders import make_upn, week
from tests.changes.test_feed import follow, read_feed
from tests.provision import Headers

DETAILS = record_details(
    {name: None for name in RECORD_FIELDS}
    | {"hours": Decimal(10), "provision_type": "alternative_provision", "reasons": []}
)


@pytest.fixture
def committed_child(engine: Engine) -> Iterator[tuple[int, int]]:
    """A provider and a child committed for real (not in the test's rolled-back transaction),
    and afterwards everything the writers committed for them removed."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: two writes cannot commit out of order")
    with Session(engine) as session, session.begin():
        provider = Provider(name="Commit Order AP", kind="ap")
        pupil = Pupil(upn=make_upn(95), temporary_upn=False, date_of_birth=date(2013, 5, 1))
        session.add_all([provider, pupil])
        session.flush()
        ids = (provider.id, pupil.id)
    yield ids
    with Session(engine) as session, session.begin():
        # History is append-only for the service; the test removes its own rows as superuser.
        session.execute(text("SET LOCAL session_replication_role = replica"))
        revisions = session.scalars(
            delete(ProvisionVersion)
            .where(ProvisionVersion.pupil_id == ids[1])
            .returning(ProvisionVersion.revision_id)
        ).all()
        session.execute(delete(Revision).where(Revision.id.in_(revisions)))
        session.execute(delete(Pupil).where(Pupil.id == ids[1]))
        session.execute(delete(Provider).where(Provider.id == ids[0]))


def test_a_change_committing_late_is_read_after_the_one_before_it(
    engine: Engine, client: TestClient, officer: Headers, committed_child: tuple[int, int]
) -> None:
    provider_id, pupil_id = committed_child
    _, start = follow(client, officer, None)
    a_began, b_committed = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer_a() -> None:
        """Takes its revision and history row first, then its number last, as History does."""
        try:
            with Session(engine) as session, session.begin():
                revision = Revision(recorded_at=datetime.now(UTC), client_id="writer-a")
                session.add(revision)
                session.flush()
                session.add(
                    ProvisionVersion(
                        revision_id=revision.id,
                        pupil_id=pupil_id,
                        provider_id=provider_id,
                        action="created",
                        week_commencing=week(0),
                        details=DETAILS,
                    )
                )
                session.flush()
                a_began.set()
                assert b_committed.wait(10)
                revision.number = bump_register_version(session)
        except BaseException as exc:  # reported in the test's own thread
            failures.append(exc)
            a_began.set()

    thread = threading.Thread(target=writer_a)
    thread.start()
    assert a_began.wait(10)
    assert read_feed(client, officer, after=start)["items"] == []  # nothing committed yet

    with Session(engine) as session, session.begin():
        history = History(session, "writer-b")
        history.keep(
            pupil_id=pupil_id,
            provider_id=provider_id,
            action="created",
            week_commencing=week(1),
            details=DETAILS,
        )
        history.close()
    polled = read_feed(client, officer, after=start)
    b_committed.set()
    thread.join(10)
    assert not failures and not thread.is_alive()

    assert [item["client_id"] for item in polled["items"]] == ["writer-b"]
    later = read_feed(client, officer, after=polled["after"])["items"]
    assert [item["client_id"] for item in later] == ["writer-a"]
    # A's history row was written first: a cursor on row ids alone would have skipped it.
    assert later[0]["id"] < polled["items"][0]["id"]
    everything, _ = follow(client, officer, start)
    assert sorted(item["client_id"] for item in everything) == ["writer-a", "writer-b"]
