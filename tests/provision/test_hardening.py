"""Inputs and races found in review: each must be a clean 4xx, never a 500 or a leak."""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from app.config import Settings
from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]


def test_a_batch_disagreeing_with_itself_is_refused_before_the_register_is_consulted(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
    login_as: Callable[..., Headers],
) -> None:
    on_register, unknown = make_upn(1), make_upn(2)
    submit(client, officer, record(on_register, provider_id=school["id"]))
    stranger = login_as("provider", make_provider("Stranger AP", "ap")["id"])
    answers = []
    for upn in (on_register, unknown):
        batch = [
            record(upn, date_of_birth=date(2012, 1, 1)),
            record(upn, week_commencing=week(1), date_of_birth=date(2012, 2, 2)),
        ]
        response = client.post(
            "/api/v1/provision-records/batch", json={"records": batch}, headers=stranger
        )
        answers.append((response.status_code, [e["pointer"] for e in response.json()["errors"]]))
    assert answers[0] == answers[1] == (422, ["/records/1/date_of_birth"])


def test_a_provider_who_cannot_read_a_child_cannot_rename_it(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
    login_as: Callable[..., Headers],
) -> None:
    upn = make_upn(3)
    submit(client, officer, record(upn, provider_id=school["id"], given_name="Sam"))
    other = login_as("provider", make_provider("Other AP", "ap")["id"])
    submit(client, other, record(upn, given_name="Changed"))
    assert client.get(f"/api/v1/pupils/{upn}", headers=officer).json()["given_name"] == "Sam"


@pytest.mark.parametrize("bad", ["nul\u0000byte", "lone \ud800 surrogate"])
def test_unstorable_text_is_a_422_naming_the_field(
    client: TestClient, admin: Headers, school_auth: Headers, bad: str
) -> None:
    def post_json(path: str, body: dict[str, Any], headers: Headers) -> Any:
        # Escaped as a JSON client would send it: "\u0000", "\ud800".
        return client.post(
            path, content=json.dumps(body), headers=headers | {"Content-Type": "application/json"}
        )

    provider = post_json("/api/v1/providers", {"name": bad, "kind": "ap"}, admin)
    assert provider.status_code == 422
    assert provider.json()["errors"][0]["pointer"] == "/name"
    named = post_json("/api/v1/provision-records", record(given_name=bad), school_auth)
    assert named.status_code == 422
    assert named.json()["errors"][0]["pointer"] == "/given_name"
    if "\u0000" in bad:  # a form cannot carry an unpaired surrogate at all
        token = client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": bad, "client_secret": "x"},
        )
        # The token endpoint answers as OAuth2 says: 400 invalid_request, naming the field.
        assert token.status_code == 400
        assert token.json()["error"] == "invalid_request"
        assert token.json()["errors"][0]["pointer"] == "/client_id"


def test_a_forged_cursor_with_an_unpaired_surrogate_is_a_422(
    client: TestClient, officer: Headers
) -> None:
    response = client.get("/api/v1/register?cursor=W251bGwsICJcdWQ4MDAiXQ==", headers=officer)
    assert response.status_code == 422


def test_a_provider_token_without_a_provider_is_refused(
    client: TestClient, settings: Settings
) -> None:
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "forged",
        "iat": 1_900_000_000,
        "exp": 4_000_000_000,
        "role": "provider",
    }
    token = jwt.encode(claims, settings.jwt_signing_key.get_secret_value(), algorithm="HS256")
    response = client.post(
        "/api/v1/provision-records", json=record(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
