"""The sandbox: an MIS vendor's own synthetic LA, generated and cleared by API; nowhere else."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from tests.builders import make_upn, record
from tests.conftest import ADMIN_ID, ADMIN_SECRET, bearer, get_token, restarted

Headers = dict[str, str]
GENERATE, CLEAR = "/api/v1/test-data/generate", "/api/v1/test-data/clear"


@pytest.fixture
def sandbox(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    with restarted(app, settings.model_copy(update={"environment": "sandbox"})) as client:
        yield client


@pytest.fixture
def sandbox_admin(sandbox: TestClient) -> Headers:
    return bearer(get_token(sandbox, ADMIN_ID, ADMIN_SECRET))


def test_generate_gives_a_register_and_clients_to_push_as(
    sandbox: TestClient, sandbox_admin: Headers
) -> None:
    made = sandbox.post(GENERATE, json={"children": 30, "weeks": 6}, headers=sandbox_admin)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["summary"].split()[0].isdigit() and int(body["summary"].split()[0]) > 0
    register = sandbox.get("/api/v1/register", headers=sandbox_admin).json()
    assert register["items"]

    vendor = body["clients"][0]
    token = get_token(sandbox, vendor["client_id"], vendor["client_secret"])
    pushed = sandbox.post(
        "/api/v1/provision-records",
        json=record(make_upn(901), provider_id=vendor["provider_id"]),
        headers=bearer(token),
    )
    assert pushed.status_code == 201, pushed.text
    again = sandbox.post(GENERATE, json={}, headers=sandbox_admin)
    assert again.status_code == 409  # clear it first


def test_clear_empties_the_register_and_keeps_the_audit_trail(
    sandbox: TestClient, sandbox_admin: Headers
) -> None:
    made = sandbox.post(GENERATE, json={"children": 20, "weeks": 4}, headers=sandbox_admin).json()
    vendor = made["clients"][0]
    cleared = sandbox.post(CLEAR, headers=sandbox_admin)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["providers"] == len(made["clients"])
    assert cleared.json()["clients"] == len(made["clients"])
    assert sandbox.get("/api/v1/register", headers=sandbox_admin).json()["items"] == []
    assert sandbox.get("/api/v1/summary", headers=sandbox_admin).json()["children_on_register"] == 0
    refused = sandbox.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": vendor["client_id"],
            "client_secret": vendor["client_secret"],
        },
    )
    assert refused.status_code == 401  # its client went with its provider
    actions = [
        event["path"]
        for event in sandbox.get("/api/v1/audit", headers=sandbox_admin).json()["items"]
    ]
    assert CLEAR in actions and GENERATE in actions
    # An empty sandbox can be filled again.
    assert sandbox.post(GENERATE, json={"children": 5}, headers=sandbox_admin).status_code == 201


def test_only_an_admin_may_generate_or_clear(sandbox: TestClient, sandbox_admin: Headers) -> None:
    officer = sandbox.post(
        "/api/v1/clients", json={"name": "Officer", "role": "la_officer"}, headers=sandbox_admin
    ).json()
    officer_auth = bearer(get_token(sandbox, officer["client_id"], officer["client_secret"]))
    assert sandbox.post(GENERATE, json={}, headers=officer_auth).status_code == 403
    assert sandbox.post(CLEAR, headers=officer_auth).status_code == 403
    assert sandbox.post(GENERATE, json={"children": 0}, headers=sandbox_admin).status_code == 422


@pytest.mark.parametrize("path", [GENERATE, CLEAR])
def test_anywhere_but_a_sandbox_there_is_no_test_data(
    client: TestClient, admin: Headers, path: str
) -> None:
    assert client.post(path, json={}, headers=admin).status_code == 404
    assert client.post(path, json={}).status_code == 404  # not even asked for a token
    assert client.get("/api/v1/register", headers=admin).json()["items"] == []
