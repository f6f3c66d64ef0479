"""The token endpoint as RFC 6749 says: Basic or form, §5.2 errors, no caching, throttling."""

import base64
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from pydantic import SecretStr

from app.auth.service import key_id
from app.config import Settings
from tests.conftest import ADMIN_ID, ADMIN_SECRET, bearer, restarted
from tests.provision import Response, assert_problem

TOKEN_URL = "/api/v1/auth/token"
GRANT = {"grant_type": "client_credentials"}


def basic(client_id: str, client_secret: str) -> dict[str, str]:
    pair = f"{client_id}:{client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def form_token(client: TestClient, client_id: str, client_secret: str) -> Response:
    return client.post(
        TOKEN_URL, data=GRANT | {"client_id": client_id, "client_secret": client_secret}
    )


def oauth_error(response: Response, status: int) -> str:
    """The §5.2 error code of a problem that carries one, with no caching allowed."""
    body = assert_problem(response, status)
    assert body["error_description"] == body["detail"]
    assert response.headers["cache-control"] == "no-store"
    return str(body["error"])


def test_http_basic_client_authentication_gets_a_token(client: TestClient) -> None:
    response = client.post(TOKEN_URL, data=GRANT, headers=basic(ADMIN_ID, ADMIN_SECRET))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    token = response.json()["access_token"]
    assert client.get("/api/v1/providers", headers=bearer(token)).status_code == 200


def test_http_basic_with_a_wrong_secret_is_401_invalid_client_with_a_basic_challenge(
    client: TestClient,
) -> None:
    response = client.post(TOKEN_URL, data=GRANT, headers=basic(ADMIN_ID, "wrong-secret"))
    assert oauth_error(response, 401) == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("value", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()])
def test_malformed_basic_credentials_are_invalid_client(client: TestClient, value: str) -> None:
    response = client.post(TOKEN_URL, data=GRANT, headers={"Authorization": value})
    assert oauth_error(response, 401) == "invalid_client"


def test_credentials_both_in_basic_and_in_the_form_are_invalid_request(client: TestClient) -> None:
    response = client.post(
        TOKEN_URL,
        data=GRANT | {"client_id": ADMIN_ID, "client_secret": ADMIN_SECRET},
        headers=basic(ADMIN_ID, ADMIN_SECRET),
    )
    assert oauth_error(response, 400) == "invalid_request"


def test_no_client_authentication_at_all_is_invalid_client(client: TestClient) -> None:
    assert oauth_error(client.post(TOKEN_URL, data=GRANT), 401) == "invalid_client"


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token"])
def test_an_unsupported_grant_type_is_400_unsupported_grant_type(
    client: TestClient, grant_type: str
) -> None:
    response = client.post(
        TOKEN_URL,
        data={"grant_type": grant_type, "client_id": ADMIN_ID, "client_secret": ADMIN_SECRET},
    )
    assert oauth_error(response, 400) == "unsupported_grant_type"
    assert response.json()["errors"][0]["pointer"] == "/grant_type"


@pytest.mark.parametrize("grant", [{}, {"grant_type": ""}])
def test_a_missing_grant_type_is_invalid_request(client: TestClient, grant: dict[str, str]) -> None:
    response = client.post(
        TOKEN_URL, data=grant | {"client_id": ADMIN_ID, "client_secret": ADMIN_SECRET}
    )
    assert oauth_error(response, 400) == "invalid_request"


def test_credentials_sent_as_json_are_invalid_request_not_500(client: TestClient) -> None:
    response = client.post(
        TOKEN_URL,
        json={"grant_type": "client_credentials", "client_id": ADMIN_ID, "client_secret": "x"},
    )
    assert oauth_error(response, 400) == "invalid_request"


# --- signing keys ------------------------------------------------------------------------------


def test_a_token_names_its_signing_key(client: TestClient, settings: Settings) -> None:
    token = form_token(client, ADMIN_ID, ADMIN_SECRET).json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == key_id(
        settings.jwt_signing_key.get_secret_value()
    )


def test_after_a_key_rotation_old_tokens_work_while_the_previous_key_is_kept(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    old_token = bearer(form_token(client, ADMIN_ID, ADMIN_SECRET).json()["access_token"])
    new_key = SecretStr("a-rotated-signing-key-" + "z" * 32)
    rotating = settings.model_copy(
        update={"jwt_signing_key": new_key, "jwt_previous_signing_key": settings.jwt_signing_key}
    )
    with restarted(app, rotating) as during:
        assert during.get("/api/v1/providers", headers=old_token).status_code == 200
        new_token = form_token(during, ADMIN_ID, ADMIN_SECRET).json()["access_token"]
        assert jwt.get_unverified_header(new_token)["kid"] == key_id(new_key.get_secret_value())
    rotated = rotating.model_copy(update={"jwt_previous_signing_key": None})
    with restarted(app, rotated) as after:
        assert_problem(after.get("/api/v1/providers", headers=old_token), 401)
        assert after.get("/api/v1/providers", headers=bearer(new_token)).status_code == 200


# --- throttling --------------------------------------------------------------------------------


def throttle_stores() -> Iterator[object]:
    yield pytest.param(None, id="memory")
    url = os.environ.get("TEST_REDIS_URL")
    yield pytest.param(
        url,
        id="redis",
        marks=pytest.mark.skipif(not url, reason="set TEST_REDIS_URL (.ci/run does)"),
    )
    # Redis down (nothing listens on port 1): each replica counts on its own meanwhile.
    yield pytest.param("redis://127.0.0.1:1/0", id="redis-unreachable")


@dataclass
class Throttled:
    """The service with a throttle store, seen from an address of its own, and a client of its
    own, so that runs sharing a Redis never count each other's failures."""

    http: TestClient
    client_id: str
    client_secret: str


@pytest.fixture(params=list(throttle_stores()))
def throttled(
    request: pytest.FixtureRequest,
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    admin: dict[str, str],
) -> Throttled:
    created = client.post(
        "/api/v1/clients", json={"name": "MIS", "role": "la_officer"}, headers=admin
    ).json()
    address = f"198.51.100.7-{time.time_ns()}"
    store = settings.model_copy(update={"redis_url": request.param})
    http = restarted(app, store, client=(address, 50000))
    return Throttled(http, created["client_id"], created["client_secret"])


def test_the_eleventh_wrong_secret_in_a_minute_is_429(throttled: Throttled) -> None:
    for attempt in range(10):
        response = form_token(throttled.http, throttled.client_id, "wrong-secret")
        assert oauth_error(response, 401) == "invalid_client"
        assert response.headers["ratelimit-limit"] == "10"
        assert response.headers["ratelimit-remaining"] == str(9 - attempt)
    # Even the right secret is refused until the window frees.
    refused = form_token(throttled.http, throttled.client_id, throttled.client_secret)
    assert_problem(refused, 429)
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    assert "access_token" not in refused.text


def test_failures_from_one_address_are_limited_across_client_ids(throttled: Throttled) -> None:
    for attempt in range(10):
        assert_problem(form_token(throttled.http, f"guess-{time.time_ns()}-{attempt}", "x"), 401)
    assert_problem(form_token(throttled.http, throttled.client_id, throttled.client_secret), 429)


def test_a_lockout_from_one_address_leaves_the_clients_own_address_working(
    throttled: Throttled,
) -> None:
    for _ in range(10):
        assert_problem(form_token(throttled.http, throttled.client_id, "wrong-secret"), 401)
    assert_problem(form_token(throttled.http, throttled.client_id, throttled.client_secret), 429)
    own = TestClient(throttled.http.app, client=(f"203.0.113.9-{time.time_ns()}", 50000))
    with own:
        response = form_token(own, throttled.client_id, throttled.client_secret)
    assert response.status_code == 200, response.text  # 429 on 3da8359


def test_successful_token_requests_are_not_throttled(throttled: Throttled) -> None:
    for _ in range(12):
        response = form_token(throttled.http, throttled.client_id, throttled.client_secret)
        assert response.status_code == 200


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_standard_oauth2_library_gets_a_token_and_calls_the_api(
    live_url: str, method: str
) -> None:
    """Authlib, as an integrator would use it, with each client authentication method."""
    with OAuth2Client(
        ADMIN_ID, ADMIN_SECRET, token_endpoint_auth_method=method, base_url=live_url
    ) as oauth:
        token = oauth.fetch_token(live_url + TOKEN_URL, grant_type="client_credentials")
        assert token["token_type"].lower() == "bearer"
        assert oauth.get("/api/v1/providers").status_code == 200
