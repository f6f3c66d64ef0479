"""Administrators list, rotate, disable and enable API clients; every change is audited."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_ID, bearer, get_token
from tests.provision import Response, assert_problem

Headers = dict[str, str]
CLIENTS = "/api/v1/clients"


def new_client(client: TestClient, admin: Headers, role: str = "la_officer") -> dict[str, Any]:
    response = client.post(CLIENTS, json={"name": "Dashboard", "role": role}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def token_request(client: TestClient, client_id: str, client_secret: str) -> Response:
    return client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


def rotate(client: TestClient, admin: Headers, client_id: str, **body: int) -> dict[str, Any]:
    response = client.post(f"{CLIENTS}/{client_id}/secret", json=body or None, headers=admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_clients_are_listed_without_secrets(client: TestClient, admin: Headers) -> None:
    created = new_client(client, admin)
    response = client.get(CLIENTS, headers=admin)
    assert response.status_code == 200
    [listed] = [c for c in response.json() if c["client_id"] == created["client_id"]]
    assert (listed["role"], listed["enabled"]) == ("la_officer", True)
    assert created["client_secret"] not in response.text
    assert "secret_hash" not in response.text and "$argon2" not in response.text


@pytest.mark.parametrize("role", ["la_officer", "inspector"])
def test_only_an_admin_lists_or_changes_clients(
    client: TestClient, admin: Headers, login_as: Any, role: str
) -> None:
    target = new_client(client, admin)["client_id"]
    caller = login_as(role)
    assert_problem(client.get(CLIENTS, headers=caller), 403)
    for action in ("secret", "disable", "enable"):
        assert_problem(client.post(f"{CLIENTS}/{target}/{action}", headers=caller), 403)


def test_a_rotated_secret_stops_at_once_and_so_do_its_tokens(
    client: TestClient, admin: Headers
) -> None:
    created = new_client(client, admin)
    old_token = bearer(get_token(client, created["client_id"], created["client_secret"]))
    rotated = rotate(client, admin, created["client_id"])
    assert rotated["client_secret"] != created["client_secret"]
    assert rotated["previous_secret_expires_at"] is None
    old = token_request(client, created["client_id"], created["client_secret"])
    assert assert_problem(old, 401)["error"] == "invalid_client"
    assert token_request(client, created["client_id"], rotated["client_secret"]).status_code == 200
    assert_problem(client.get("/api/v1/register", headers=old_token), 401)


def test_a_rotation_with_a_grace_period_keeps_the_old_secret_working_until_then(
    client: TestClient, admin: Headers
) -> None:
    created = new_client(client, admin)
    old_token = bearer(get_token(client, created["client_id"], created["client_secret"]))
    rotated = rotate(client, admin, created["client_id"], grace_period_seconds=3600)
    assert rotated["previous_secret_expires_at"] is not None
    for secret in (created["client_secret"], rotated["client_secret"]):
        assert token_request(client, created["client_id"], secret).status_code == 200
    assert client.get("/api/v1/register", headers=old_token).status_code == 200
    # A second rotation without grace ends the first one's grace at once.
    final = rotate(client, admin, created["client_id"])
    for secret in (created["client_secret"], rotated["client_secret"]):
        assert_problem(token_request(client, created["client_id"], secret), 401)
    assert token_request(client, created["client_id"], final["client_secret"]).status_code == 200


def test_a_grace_period_longer_than_a_week_is_422(client: TestClient, admin: Headers) -> None:
    created = new_client(client, admin)
    response = client.post(
        f"{CLIENTS}/{created['client_id']}/secret",
        json={"grace_period_seconds": 8 * 24 * 3600},
        headers=admin,
    )
    assert_problem(response, 422, "/grace_period_seconds")


def test_a_disabled_clients_live_token_is_refused_on_its_next_request(
    client: TestClient, admin: Headers
) -> None:
    created = new_client(client, admin)
    token = bearer(get_token(client, created["client_id"], created["client_secret"]))
    assert client.get("/api/v1/register", headers=token).status_code == 200
    disabled = client.post(f"{CLIENTS}/{created['client_id']}/disable", headers=admin)
    assert disabled.status_code == 200
    assert disabled.json()["enabled"] is False
    assert_problem(client.get("/api/v1/register", headers=token), 401)
    refused = token_request(client, created["client_id"], created["client_secret"])
    assert assert_problem(refused, 401)["error"] == "invalid_client"

    enabled = client.post(f"{CLIENTS}/{created['client_id']}/enable", headers=admin)
    assert enabled.json()["enabled"] is True
    # A token issued before the client was disabled is not revived (it was on 3da8359).
    assert_problem(client.get("/api/v1/register", headers=token), 401)
    fresh = bearer(get_token(client, created["client_id"], created["client_secret"]))
    assert client.get("/api/v1/register", headers=fresh).status_code == 200


def test_an_admin_cannot_disable_its_own_client(client: TestClient, admin: Headers) -> None:
    assert_problem(client.post(f"{CLIENTS}/{ADMIN_ID}/disable", headers=admin), 409)


def test_an_unknown_client_is_404(client: TestClient, admin: Headers) -> None:
    for action in ("secret", "disable", "enable"):
        assert_problem(client.post(f"{CLIENTS}/nobody/{action}", headers=admin), 404)


def test_every_change_to_a_client_is_in_the_audit_trail(client: TestClient, admin: Headers) -> None:
    target = new_client(client, admin)["client_id"]
    rotate(client, admin, target)
    client.post(f"{CLIENTS}/{target}/disable", headers=admin)
    client.post(f"{CLIENTS}/{target}/enable", headers=admin)
    events = client.get("/api/v1/audit", params={"client_id": ADMIN_ID}, headers=admin).json()
    recorded = [(e["action"], e["path"]) for e in events["items"]]
    for action, suffix in (
        ("enable_client", "enable"),
        ("disable_client", "disable"),
        ("rotate_client_secret", "secret"),
    ):
        assert (action, f"{CLIENTS}/{target}/{suffix}") in recorded


def test_a_disabled_client_is_answered_as_an_unknown_one(
    client: TestClient, admin: Headers
) -> None:
    created = new_client(client, admin)
    assert client.post(f"{CLIENTS}/{created['client_id']}/disable", headers=admin).is_success
    disabled = token_request(client, created["client_id"], created["client_secret"])
    unknown = token_request(client, "nobody-at-all", created["client_secret"])
    assert (disabled.status_code, disabled.json()) == (unknown.status_code, unknown.json())
    assert disabled.headers["www-authenticate"] == unknown.headers["www-authenticate"]
