"""The schema comes only from Alembic, and the migrations form one line."""

import json
import secrets
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text

from app.config import Settings
from app.main import create_app
from app.migrations import alembic_config, upgrade_to_head
from app.models import Base
from app.register.tallies import LEFT, RETURNED_FULL_TIME, WEEKS_TO_FULL_TIME
from tests.builders import make_upn, record, submit, week
from tests.conftest import ADMIN_ID, ADMIN_SECRET, bearer, get_token
from tests.summary.leaving import LEAVES_TWICE, take


def test_there_is_exactly_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert (
            context.get_current_revision()
            == ScriptDirectory.from_config(alembic_config()).get_current_head()
        )
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind: a new SQLite file, or a throwaway PostgreSQL
    database created (and dropped) here."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = make_url(Settings(database_url=database_url).sqlalchemy_url)
    name = f"{url.database}_migration_{secrets.token_hex(4)}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        server.dispose()


def test_upgrading_keeps_every_record_as_a_version_and_draws_its_arrangements(
    fresh_database_url: str,
) -> None:
    config = alembic_config(fresh_database_url)
    command.upgrade(config, "0004")
    engine = create_engine(fresh_database_url)
    first_write, second_write = "2026-09-08 10:00:00", "2026-09-15 10:00:00"
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO providers (id, name, kind) VALUES (1, 'Oak', 'school')")
        )
        connection.execute(
            text(
                "INSERT INTO pupils (id, upn, temporary_upn, date_of_birth) "
                "VALUES (1, 'B801200005001', false, '2013-05-01')"
            )
        )
        for week, hours, written in (
            ("2026-09-07", 10, first_write),
            ("2026-09-14", 12.5, second_write),
            ("2026-09-21", 12.5, second_write),
        ):
            connection.execute(
                text(
                    "INSERT INTO provision_records (pupil_id, provider_id, week_commencing, "
                    "hours, provision_type, reasons, created_at, updated_at) VALUES "
                    "(1, 1, :week, :hours, 'pru', '[\"medical\"]', :written, :written)"
                ),
                {"week": week, "hours": hours, "written": written},
            )
            connection.execute(
                text(
                    "INSERT INTO pupil_weeks (pupil_id, week_commencing, total_hours, "
                    "threshold_hours, below_threshold, below_since) "
                    "VALUES (1, :week, :hours, 25, true, '2026-09-07')"
                ),
                {"week": week, "hours": hours},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        # Raw SQL: SQLite hands dates back as text.
        assert [
            tuple(map(str, row))
            for row in connection.execute(
                text(
                    "SELECT pupil_id, provider_id, start_week, last_week, end_date FROM provisions"
                )
            )
        ] == [("1", "1", "2026-09-07", "2026-09-21", "None")]
        assert [
            str(since)
            for since in connection.execute(
                text("SELECT DISTINCT on_register_since FROM pupil_weeks")
            ).scalars()
        ] == ["2026-09-07"]
        revisions = connection.execute(
            text("SELECT id, number, client_id FROM revisions ORDER BY number")
        ).all()
        assert [(number, client) for _, number, client in revisions] == [
            (1, "before-history"),
            (2, "before-history"),
        ]
        versions = connection.execute(
            text(
                "SELECT revision_id, action, week_commencing, details FROM provision_history "
                "ORDER BY id"
            )
        ).all()
    engine.dispose()
    assert [(revision, action) for revision, action, _, _ in versions] == [
        (revisions[0][0], "created"),
        (revisions[1][0], "created"),
        (revisions[1][0], "created"),
    ]
    details = [row[3] if isinstance(row[3], dict) else json.loads(row[3]) for row in versions]
    assert [Decimal(d["hours"]) for d in details] == [10, Decimal("12.5"), Decimal("12.5")]
    assert details[0]["reasons"] == ["medical"] and details[0]["provision_type"] == "pru"
    command.downgrade(config, "0004")
    command.upgrade(config, "head")


def leavers_counted(engine: Engine) -> list[tuple[Any, ...]]:
    """The leavers' tallies that count something."""
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT measure, key, week_commencing, children, below, below_hours "
                    "FROM tallies WHERE measure IN (:left, :weeks) AND children != 0 "
                    "ORDER BY measure, key, week_commencing"
                ),
                {"left": LEFT, "weeks": WEEKS_TO_FULL_TIME},
            )
        ]


def officer_and_providers(client: TestClient) -> tuple[dict[str, str], tuple[int, int]]:
    """An LA officer's headers, and two providers."""
    admin = bearer(get_token(client, ADMIN_ID, ADMIN_SECRET))
    oak, riverside = (
        client.post("/api/v1/providers", json={"name": name, "kind": kind}, headers=admin).json()
        for name, kind in (("Oak", "school"), ("Riverside", "college"))
    )
    officer = client.post(
        "/api/v1/clients", json={"name": "Officer", "role": "la_officer"}, headers=admin
    ).json()
    return bearer(get_token(client, officer["client_id"], officer["client_secret"])), (
        oak["id"],
        riverside["id"],
    )


def test_the_leavers_counted_from_the_stored_exits_are_those_writes_counted(
    fresh_database_url: str, settings: Settings
) -> None:
    fresh = settings.model_copy(update={"database_url": fresh_database_url})
    upgrade_to_head(fresh)
    with TestClient(create_app(fresh)) as client:
        officer, providers = officer_and_providers(client)
        # A child who leaves twice; one who leaves in August, comes back and leaves again; one
        # past school age; and a calendar with holidays among their weeks.
        for step in [
            *LEAVES_TWICE,
            ("spell", 1, 0, -8, 2, None),
            ("end", 1, 0, -2, (4, RETURNED_FULL_TIME)),
            ("spell", 1, 1, 1, 2, (0, RETURNED_FULL_TIME)),
            ("spell", 2, 0, -13, 3, None),
            ("calendar", 1),
        ]:
            take(client, officer, providers, step)
    engine = create_engine(fresh_database_url)
    try:
        written = leavers_counted(engine)
        assert {row[0] for row in written} == {LEFT, WEEKS_TO_FULL_TIME}
        config = alembic_config(fresh_database_url)
        command.downgrade(config, "0014")
        assert leavers_counted(engine) == []
        command.upgrade(config, "head")
        assert leavers_counted(engine) == written
    finally:
        engine.dispose()


def test_upgrading_keeps_the_timetables_each_current_state_rests_on(
    fresh_database_url: str, settings: Settings
) -> None:
    fresh = settings.model_copy(update={"database_url": fresh_database_url})
    upgrade_to_head(fresh)
    with TestClient(create_app(fresh)) as client:
        officer, (oak, riverside) = officer_and_providers(client)
        # Half term in week 2: a record there is not judged, but its end date counts from it.
        terms = [(week(0), week(1) + timedelta(days=4)), (week(3), week(8) + timedelta(days=4))]
        calendar = {
            "terms": [
                {"name": f"Term {n}", "start_date": str(start), "end_date": str(end)}
                for n, (start, end) in enumerate(terms)
            ]
        }
        assert client.put("/api/v1/calendar", json=calendar, headers=officer).status_code == 200
        part_time = {"reasons": ["part_time_timetable"]}
        submit(
            client,
            officer,
            *(
                record(make_upn(1), week_commencing=week(n), hours=10, provider_id=oak, **dates)
                for n, dates in (
                    (0, {**part_time, "timetable_end_date": str(week(1))}),
                    (1, part_time),
                    (2, {**part_time, "timetable_end_date": str(week(6))}),
                )
            ),
            record(
                make_upn(2),
                week_commencing=week(1),
                hours=15,
                provider_id=riverside,
                timetable_review_date=str(week(0)),
            ),
            record(make_upn(2), week_commencing=week(1), hours=5, provider_id=oak),
        )
    engine = create_engine(fresh_database_url)
    try:
        written = timetables(engine)
        assert [(row[4], row[-1]) for row in written] == [(True, True), (False, False)]
        config = alembic_config(fresh_database_url)
        command.downgrade(config, "0019")
        command.upgrade(config, "head")
        assert timetables(engine) == written
    finally:
        engine.dispose()


def timetables(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT pupil_id, provider_id, start_week, week_commencing, part_time, "
                    "timetable_review_date, timetable_end_date, latest_end, ends_after "
                    "FROM current_timetables ORDER BY pupil_id, provider_id"
                )
            )
        ]
