"""Administrators add, list and disable the people who sign in to the pages."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, sign_in


def test_an_admin_adds_a_person_who_can_then_sign_in(
    app: FastAPI, client: TestClient, admin: dict[str, str]
) -> None:
    body = {
        "email": "Alex.Officer@LA.example.org",
        "name": "Alex Officer",
        "role": "la_officer",
        "password": PASSWORD,
    }
    response = client.post("/api/v1/people", json=body, headers=admin)
    assert response.status_code == 201, response.text
    person = response.json()
    assert person["email"] == "alex.officer@la.example.org"
    assert person["local_account"] is True
    assert person["enabled"] is True
    assert "password" not in response.text
    listed = client.get("/api/v1/people", headers=admin).json()
    assert "alex.officer@la.example.org" in [p["email"] for p in listed]
    # The address is one person however it is typed.
    assert sign_in(TestClient(app), "ALEX.officer@la.example.org").status_code == 303
    again = client.post("/api/v1/people", json=body, headers=admin)
    assert again.status_code == 409


def test_a_provider_person_needs_a_provider_and_bad_fields_are_named(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get("/api/v1/people", headers=admin).json()
    response = client.post(
        "/api/v1/people",
        json={"email": "x@example.org", "name": "X", "role": "provider"},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/provider_id"
    response = client.post(
        "/api/v1/people",
        json={"email": "not an address", "name": "", "role": "mayor", "password": "short"},
        headers=admin,
    )
    assert response.status_code == 422
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert pointers == {"/email", "/name", "/role", "/password"}
    assert client.get("/api/v1/people", headers=admin).json() == before


def test_only_an_admin_client_manages_people(
    app: FastAPI, client: TestClient, officer: dict[str, str]
) -> None:
    assert client.get("/api/v1/people", headers=officer).status_code == 403
    assert client.post("/api/v1/people", json={}, headers=officer).status_code == 403
    # A signed-in administrator's session cookie is not an API credential.
    admin_browser = TestClient(app)
    assert sign_in(admin_browser, "first.admin@example.org", "first-admin-password").is_redirect
    assert admin_browser.get("/api/v1/people").status_code == 401


def test_disabling_a_person_ends_their_sessions_at_once(
    app: FastAPI,
    client: TestClient,
    admin: dict[str, str],
    make_person: Callable[..., dict[str, Any]],
) -> None:
    person = make_person("la_officer")
    browser = TestClient(app)
    assert sign_in(browser, person["email"]).status_code == 303
    assert browser.get("/home").status_code == 200
    response = client.post(f"/api/v1/people/{person['id']}/disable", headers=admin)
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert browser.get("/home", follow_redirects=False).status_code == 303
    assert "Enter a correct email address" in sign_in(TestClient(app), person["email"]).text
    assert client.post("/api/v1/people/999999/disable", headers=admin).status_code == 404
