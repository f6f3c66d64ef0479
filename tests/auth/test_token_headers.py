"""Every malformed bearer token is a 401 problem, never a 500: one test per shape of header."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from tests.provision import assert_problem

Headers = dict[str, str]


def _part(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged(header: Any, claims: dict[str, Any], key: str) -> str:
    """A token with this header, signed with HS256 under ``key``."""
    signing_input = f"{_part(header)}.{_part(claims)}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_part(signature)}"


@pytest.fixture
def genuine(client: TestClient, admin: Headers) -> tuple[dict[str, Any], dict[str, Any], str]:
    token = admin["Authorization"].removeprefix("Bearer ")
    key = client.app.state.settings.jwt_signing_key.get_secret_value()  # type: ignore[attr-defined]
    return jwt.get_unverified_header(token), jwt.get_unverified_claims(token), key


Shape = Callable[[dict[str, Any], str], tuple[Any, str]]
SHAPES: dict[str, Shape] = {
    "kid-list": lambda h, k: (h | {"kid": [h["kid"]]}, k),
    "kid-object": lambda h, k: (h | {"kid": {"id": h["kid"]}}, k),
    "kid-number": lambda h, k: (h | {"kid": 7}, k),
    "kid-missing-wrong-key": lambda h, _k: ({"alg": "HS256", "typ": "JWT"}, "not-our-key"),
    "alg-none": lambda h, k: (h | {"alg": "none"}, k),
    "alg-unknown": lambda h, k: (h | {"alg": "HS999"}, k),
    "wrong-key": lambda h, _k: (h, "not-our-key-but-long-enough-to-look-real"),
    "header-not-an-object": lambda _h, k: (["HS256"], k),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_malformed_token_header_is_401(
    client: TestClient, genuine: tuple[dict[str, Any], dict[str, Any], str], shape: str
) -> None:
    header, claims, key = genuine
    header, key = SHAPES[shape](header, key)
    token = forged(header, claims, key)
    response = client.get("/api/v1/register", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_a_truncated_token_is_401(client: TestClient, admin: Headers, cut: int) -> None:
    token = admin["Authorization"].removeprefix("Bearer ")
    response = client.get("/api/v1/register", headers={"Authorization": f"Bearer {token[:-cut]}"})
    assert_problem(response, 401)


def test_the_genuine_header_signed_again_is_accepted(
    client: TestClient, genuine: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    header, claims, key = genuine
    token = forged(header, claims, key)
    assert client.get("/api/v1/register", headers={"Authorization": f"Bearer {token}"}).is_success
