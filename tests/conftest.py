"""Tests run over real HTTP against a schema built by `alembic upgrade head`.

SQLite by default; set TEST_DATABASE_URL to run the same suite on PostgreSQL. Each test runs
inside one outer transaction that is rolled back, so tests never share state.
"""

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from app.config import Settings
from app.database import make_engine
from app.main import create_app
from app.migrations import upgrade_to_head
from tests.oidc import SECRET as OIDC_SECRET
from tests.oidc import free_port, start_provider

ADMIN_ID = "test-admin"
ADMIN_SECRET = "test-admin-secret-that-is-long-enough"
ADMIN_EMAIL = "first.admin@example.org"
ADMIN_PASSWORD = "first-admin-password"
PASSWORD = "a-password-for-tests"  # every person the tests add signs in with it


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'register.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        jwt_signing_key="test-signing-key-" + "x" * 32,
        admin_client_id=ADMIN_ID,
        admin_client_secret=ADMIN_SECRET,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        la_code="801",
        la_name="Test LA",
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    upgrade_to_head(settings)
    engine = make_engine(settings.sqlalchemy_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Iterator[FastAPI]:
    connection = engine.connect()
    outer = connection.begin()
    app = create_app(settings)
    app.state.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield app
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def live_url(app: FastAPI, client: TestClient) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for clients that speak real HTTP
    (``client`` has bootstrapped the admin)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def restarted(app: FastAPI, settings: Settings, **client: Any) -> TestClient:
    """The service started again with these settings, on the test's database connection."""
    again = create_app(settings)
    again.state.sessionmaker = app.state.sessionmaker
    return TestClient(again, **client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get_token(client: TestClient, client_id: str, client_secret: str) -> str:
    response = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    return bearer(get_token(client, ADMIN_ID, ADMIN_SECRET))


@pytest.fixture
def make_provider(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def make(
        name: str = "Oak Primary School", kind: str = "school", **extra: str
    ) -> dict[str, Any]:
        response = client.post(
            "/api/v1/providers", json={"name": name, "kind": kind, **extra}, headers=admin
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
def login_as(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, str]]:
    """Register a client with this role (and provider) and return its auth headers."""

    def login(role: str, provider_id: int | None = None) -> dict[str, str]:
        response = client.post(
            "/api/v1/clients",
            json={"name": f"{role} client", "role": role, "provider_id": provider_id},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return bearer(get_token(client, body["client_id"], body["client_secret"]))

    return login


@pytest.fixture
def officer(login_as: Callable[..., dict[str, str]]) -> dict[str, str]:
    return login_as("la_officer")


@pytest.fixture
def school(make_provider: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_provider("Oak Primary School", "school", urn="100001")


@pytest.fixture
def school_auth(login_as: Callable[..., dict[str, str]], school: dict[str, Any]) -> dict[str, str]:
    return login_as("provider", school["id"])


@pytest.fixture
def college(make_provider: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A second provider beside the school, for what one provider may not see of another's."""
    return make_provider("Riverside College", "college")


@pytest.fixture
def college_auth(
    login_as: Callable[..., dict[str, str]], college: dict[str, Any]
) -> dict[str, str]:
    return login_as("provider", college["id"])


def form_token(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(browser: TestClient, email: str, password: str = PASSWORD, next_path: str = "/") -> Any:
    """Fill in and send the sign-in form, as a person would."""
    page = browser.get("/sign-in", params={"next": next_path})
    return browser.post(
        "/sign-in",
        data={
            "email": email,
            "password": password,
            "csrf_token": form_token(page.text),
            "next": next_path,
        },
        follow_redirects=False,
    )


@pytest.fixture
def make_person(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Add a person with a local account through the people API."""

    def make(role: str, provider_id: int | None = None, **extra: Any) -> dict[str, Any]:
        count = len(client.get("/api/v1/people", headers=admin).json())
        body = {
            "email": f"{role}.{count}@example.org",
            "name": f"{role.replace('_', ' ').title()} {count}",
            "role": role,
            "provider_id": provider_id,
            "password": PASSWORD,
        } | extra
        response = client.post("/api/v1/people", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
def browser_for(
    app: FastAPI, client: TestClient, make_person: Callable[..., dict[str, Any]]
) -> Callable[..., TestClient]:
    """A browser signed in as a new person with this role."""

    def open_as(role: str, provider_id: int | None = None) -> TestClient:
        person = make_person(role, provider_id)
        browser = TestClient(app)
        assert sign_in(browser, person["email"]).status_code == 303
        return browser

    return open_as


@pytest.fixture
def officer_browser(browser_for: Callable[..., TestClient]) -> TestClient:
    return browser_for("la_officer")


@pytest.fixture
def oidc_issuer(app: FastAPI, live_url: str) -> Iterator[str]:
    """A real OpenID Connect provider on loopback, which the register signs people in with."""
    port = free_port()
    process = start_provider(port, f"{live_url}/sign-in/oidc/callback")
    url = f"http://127.0.0.1:{port}"
    app.state.settings = app.state.settings.model_copy(
        update={
            "oidc_issuer": url,
            "oidc_client_id": "register",
            "oidc_client_secret": SecretStr(OIDC_SECRET),
        }
    )
    yield url
    process.terminate()
    process.wait(10)
