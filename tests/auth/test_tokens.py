"""Tokens, API clients and providers: who gets in, and what a forged token gets (401)."""

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from pydantic import SecretStr
from sqlalchemy import func, select

from app.config import Settings
from app.models import ApiClient
from tests.conftest import ADMIN_ID, ADMIN_SECRET, bearer, restarted
from tests.provision import Response, assert_problem

Headers = dict[str, str]
TOKEN_URL = "/api/v1/auth/token"
CLIENTS_URL = "/api/v1/clients"
PROVIDERS_URL = "/api/v1/providers"
PROVIDER_KINDS = [
    "school",
    "pru",
    "ap",
    "hospital",
    "tuition",
    "yos",
    "college",
    "custody",
    "other",
]


def request_token(
    client: TestClient,
    client_id: str,
    client_secret: str,
    grant_type: str = "client_credentials",
) -> Response:
    return client.post(
        TOKEN_URL,
        data={"grant_type": grant_type, "client_id": client_id, "client_secret": client_secret},
    )


def create_client(
    client: TestClient, auth: Headers, role: str, provider_id: int | None = None
) -> Response:
    return client.post(
        CLIENTS_URL,
        json={"name": f"{role} client", "role": role, "provider_id": provider_id},
        headers=auth,
    )


def create_provider(client: TestClient, auth: Headers, **fields: Any) -> Response:
    return client.post(PROVIDERS_URL, json={"name": "Ash AP", "kind": "ap"} | fields, headers=auth)


# --- forging tokens ----------------------------------------------------------------------------


def claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """The claims the service itself would put in an admin's token."""
    now = int(time.time())
    return {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": ADMIN_ID,
        "iat": now,
        "exp": now + 300,
        "role": "admin",
        "provider_id": None,
        "scope": "admin",
    } | overrides


def signed(settings: Settings, *, key: str | None = None, **overrides: Any) -> Headers:
    """Bearer headers for a HS256 token over these claims, by default with the service's key."""
    secret = key if key is not None else settings.jwt_signing_key.get_secret_value()
    return bearer(jwt.encode(claims(settings, **overrides), secret, algorithm="HS256"))


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_locked_out(client: TestClient, headers: Headers) -> None:
    """An admin-only and an officer endpoint both answer 401 with a Bearer challenge."""
    for response in (
        client.get(PROVIDERS_URL, headers=headers),
        create_provider(client, headers, urn="200001"),
    ):
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_a_token_forged_with_the_real_key_works_so_the_attacks_below_are_meaningful(
    client: TestClient, settings: Settings
) -> None:
    assert client.get(PROVIDERS_URL, headers=signed(settings)).status_code == 200


def test_an_expired_token_is_401(client: TestClient, settings: Settings) -> None:
    past = int(time.time()) - 3600
    assert_locked_out(client, signed(settings, iat=past - 900, exp=past))


def test_a_token_signed_with_another_key_is_401(client: TestClient, settings: Settings) -> None:
    assert_locked_out(client, signed(settings, key="another-key-" + "y" * 40))


def test_an_unsigned_alg_none_token_is_401(client: TestClient, settings: Settings) -> None:
    header = b64url({"alg": "none", "typ": "JWT"})
    assert_locked_out(client, bearer(f"{header}.{b64url(claims(settings))}."))


def test_a_token_with_another_audience_is_401(client: TestClient, settings: Settings) -> None:
    assert_locked_out(client, signed(settings, aud="some-other-api"))


def test_a_token_from_another_issuer_is_401(client: TestClient, settings: Settings) -> None:
    assert_locked_out(client, signed(settings, iss="someone-else"))


def test_a_token_without_an_expiry_is_401(client: TestClient, settings: Settings) -> None:
    body = claims(settings)
    del body["exp"]
    token = jwt.encode(body, settings.jwt_signing_key.get_secret_value(), algorithm="HS256")
    assert_locked_out(client, bearer(token))


def test_a_token_naming_an_unknown_role_is_401(client: TestClient, settings: Settings) -> None:
    assert_locked_out(client, signed(settings, role="superuser"))


def test_a_providers_token_edited_to_say_admin_is_401(
    client: TestClient, school_auth: Headers
) -> None:
    header, payload, signature = school_auth["Authorization"].removeprefix("Bearer ").split(".")
    padded = payload + "=" * (-len(payload) % 4)
    raised = json.loads(base64.urlsafe_b64decode(padded)) | {"role": "admin", "scope": "admin"}
    assert_locked_out(client, bearer(f"{header}.{b64url(raised)}.{signature}"))


def test_no_authorization_header_is_401(client: TestClient) -> None:
    assert_locked_out(client, {})


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Basic dGVzdDp0ZXN0", "Bearer not.a.jwt"])
def test_a_malformed_authorization_header_is_401(client: TestClient, value: str) -> None:
    assert_locked_out(client, {"Authorization": value})


# --- the token endpoint ------------------------------------------------------------------------


def test_the_token_endpoint_issues_a_bearer_token(client: TestClient, settings: Settings) -> None:
    response = request_token(client, ADMIN_ID, ADMIN_SECRET)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.token_ttl_seconds
    assert body["scope"] == "admin"
    assert client.get(PROVIDERS_URL, headers=bearer(body["access_token"])).status_code == 200


def test_a_wrong_secret_is_401_invalid_client(client: TestClient) -> None:
    response = request_token(client, ADMIN_ID, ADMIN_SECRET + "x")
    assert assert_problem(response, 401)["error"] == "invalid_client"
    assert "access_token" not in response.text


def test_an_unknown_client_is_401_and_indistinguishable_from_a_wrong_secret(
    client: TestClient,
) -> None:
    unknown = request_token(client, "nobody", ADMIN_SECRET)
    wrong = request_token(client, ADMIN_ID, "not-the-secret")
    assert assert_problem(unknown, 401) == assert_problem(wrong, 401)


# --- the bootstrap admin -----------------------------------------------------------------------


def admins_named(app: FastAPI, client_id: str) -> int:
    with app.state.sessionmaker() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(ApiClient).where(ApiClient.client_id == client_id)
            )
            or 0
        )


def test_the_configured_admin_exists_once_however_often_the_service_starts(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    assert request_token(client, ADMIN_ID, ADMIN_SECRET).json()["scope"] == "admin"
    with restarted(app, settings) as second:
        assert request_token(second, ADMIN_ID, ADMIN_SECRET).json()["scope"] == "admin"
    assert admins_named(app, ADMIN_ID) == 1


def test_changing_the_configured_admin_secret_retires_the_old_one(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    new_secret = "a-rotated-admin-secret-that-is-long-enough"
    rotated = settings.model_copy(update={"admin_client_secret": SecretStr(new_secret)})
    with restarted(app, rotated) as second:
        assert request_token(second, ADMIN_ID, new_secret).status_code == 200
        assert_problem(request_token(second, ADMIN_ID, ADMIN_SECRET), 401)


# --- registering clients -----------------------------------------------------------------------


def test_an_admin_registers_a_provider_client_whose_secret_is_shown_once(
    client: TestClient, admin: Headers, app: FastAPI, school: dict[str, Any]
) -> None:
    response = create_client(client, admin, "provider", school["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["role"], body["provider_id"]) == ("provider", school["id"])

    token = request_token(client, body["client_id"], body["client_secret"])
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "provider"

    with app.state.sessionmaker() as session:
        stored = session.scalars(
            select(ApiClient).where(ApiClient.client_id == body["client_id"])
        ).one()
    assert body["client_secret"] not in stored.secret_hash
    assert stored.secret_hash.startswith("$argon2")


def test_every_client_gets_its_own_secret(client: TestClient, admin: Headers) -> None:
    first, second = (create_client(client, admin, "la_officer").json() for _ in range(2))
    assert first["client_id"] != second["client_id"]
    assert first["client_secret"] != second["client_secret"]
    assert_problem(request_token(client, first["client_id"], second["client_secret"]), 401)


@pytest.mark.parametrize("role", ["la_officer", "inspector", "admin"])
def test_an_admin_registers_clients_of_every_other_role(
    client: TestClient, admin: Headers, role: str
) -> None:
    response = create_client(client, admin, role)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["role"], body["provider_id"]) == (role, None)
    assert request_token(client, body["client_id"], body["client_secret"]).json()["scope"] == role


@pytest.mark.parametrize("role", ["la_officer", "inspector", "provider"])
def test_only_an_admin_registers_clients(
    client: TestClient,
    login_as: Callable[..., Headers],
    school: dict[str, Any],
    role: str,
) -> None:
    caller = login_as(role, school["id"] if role == "provider" else None)
    assert_problem(create_client(client, caller, "admin"), 403)


def test_registering_a_client_needs_a_token(client: TestClient) -> None:
    assert_problem(create_client(client, {}, "admin"), 401)


def test_a_provider_client_without_a_provider_is_422(client: TestClient, admin: Headers) -> None:
    assert_problem(create_client(client, admin, "provider"), 422, "/provider_id")


def test_a_provider_client_for_an_unknown_provider_is_422(
    client: TestClient, admin: Headers, school: dict[str, Any]
) -> None:
    response = create_client(client, admin, "provider", school["id"] + 1000)
    assert_problem(response, 422, "/provider_id")


def test_a_provider_client_for_a_provider_id_too_big_for_the_database_is_422(
    client: TestClient, admin: Headers
) -> None:
    assert_problem(create_client(client, admin, "provider", 10**20), 422, "/provider_id")


def test_an_officer_client_belongs_to_no_provider(
    client: TestClient, admin: Headers, school: dict[str, Any]
) -> None:
    response = create_client(client, admin, "la_officer", school["id"])
    assert_problem(response, 422, "/provider_id")


def test_an_unknown_role_is_422(client: TestClient, admin: Headers) -> None:
    assert_problem(create_client(client, admin, "headteacher"), 422, "/role")


# --- registering providers ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_an_admin_registers_a_provider_of_each_kind(
    client: TestClient, admin: Headers, kind: str
) -> None:
    response = create_provider(client, admin, name=f"A {kind}", kind=kind)
    assert response.status_code == 201, response.text
    body = response.json()
    assert isinstance(body["id"], int)
    assert (body["name"], body["kind"]) == (f"A {kind}", kind)


def test_a_provider_keeps_its_urn_and_laestab(client: TestClient, admin: Headers) -> None:
    response = create_provider(client, admin, urn="123456", laestab="8014001")
    assert response.status_code == 201, response.text
    listed = client.get(PROVIDERS_URL, headers=admin).json()
    [stored] = [p for p in listed if p["id"] == response.json()["id"]]
    assert (stored["urn"], stored["laestab"]) == ("123456", "8014001")


@pytest.mark.parametrize("role", ["la_officer", "inspector", "provider"])
def test_only_an_admin_registers_providers(
    client: TestClient,
    login_as: Callable[..., Headers],
    admin: Headers,
    school: dict[str, Any],
    role: str,
) -> None:
    caller = login_as(role, school["id"] if role == "provider" else None)
    assert_problem(create_provider(client, caller, urn="200002"), 403)
    assert "200002" not in client.get(PROVIDERS_URL, headers=admin).text


def test_an_unknown_provider_kind_is_422(client: TestClient, admin: Headers) -> None:
    assert_problem(create_provider(client, admin, kind="academy"), 422, "/kind")


@pytest.mark.parametrize("urn", ["12345", "1234567", "12345A", ""])
def test_a_malformed_urn_is_422(client: TestClient, admin: Headers, urn: str) -> None:
    assert_problem(create_provider(client, admin, urn=urn), 422, "/urn")


def test_a_malformed_laestab_is_422(client: TestClient, admin: Headers) -> None:
    assert_problem(create_provider(client, admin, laestab="801/4001"), 422, "/laestab")


def test_a_urn_already_registered_is_409(
    client: TestClient, admin: Headers, school: dict[str, Any]
) -> None:
    assert_problem(create_provider(client, admin, urn=school["urn"]), 409)
    names = [p["name"] for p in client.get(PROVIDERS_URL, headers=admin).json()]
    assert names == [school["name"]]


def test_a_laestab_already_registered_is_409(client: TestClient, admin: Headers) -> None:
    assert create_provider(client, admin, laestab="8014001").status_code == 201
    assert_problem(create_provider(client, admin, laestab="8014001"), 409)
