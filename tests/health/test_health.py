"""Liveness and readiness need no token."""

from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.provision import assert_problem


def test_alive_and_ready_on_a_migrated_database(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migration"] == ready.json()["head"]


def test_not_ready_before_migrations(tmp_path: Path) -> None:
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", admin_client_id=None)
    )
    with TestClient(app) as client:
        response = client.get("/readyz")
    body = assert_problem(response, 503)
    assert "python -m app.migrations" in body["detail"]
    assert response.headers["retry-after"]
