"""Helpers shared by the provision tests: submit, read back, and check problem details."""

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from fastapi.testclient import TestClient

from tests.builders import MONDAY

Headers = dict[str, str]
RECORDS = "/api/v1/provision-records"
BATCH = "/api/v1/provision-records/batch"
PROBLEM_JSON = "application/problem+json"


class Response(Protocol):
    """What the tests read from a TestClient response (httpx or httpx2, whichever it uses)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self, **kwargs: Any) -> Any: ...


def submit(client: TestClient, auth: Headers, body: dict[str, Any]) -> Response:
    """POST one record."""
    return client.post(RECORDS, json=body, headers=auth)


def submit_batch(client: TestClient, auth: Headers, records: list[dict[str, Any]]) -> Response:
    """POST a batch of records."""
    return client.post(BATCH, json={"records": records}, headers=auth)


def read_status(client: TestClient, auth: Headers, upn: str, as_at: date = MONDAY) -> Response:
    """GET a child's status as at a day."""
    return client.get(f"/api/v1/pupils/{upn}", params={"as_at": as_at.isoformat()}, headers=auth)


def status_of(client: TestClient, auth: Headers, upn: str, as_at: date = MONDAY) -> dict[str, Any]:
    """A child's status, which must be readable."""
    response = read_status(client, auth, upn, as_at)
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_problem(response: Response, status: int, *pointers: str) -> dict[str, Any]:
    """An RFC 9457 problem with this status, naming at least these JSON pointers."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = dict(response.json())
    assert body["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str)
        assert body[member]
    if pointers:
        named = [error["pointer"] for error in body["errors"]]
        for error in body["errors"]:
            assert error["detail"], error
        missing = set(pointers) - set(named)
        assert not missing, f"errors {named} do not name {missing}"
    return body


def error_pointers(body: dict[str, Any]) -> list[str]:
    """The JSON pointers a problem's `errors` list names."""
    return [str(error["pointer"]) for error in body.get("errors", [])]


def assert_not_on_register(client: TestClient, officer: Headers, *upns: str) -> None:
    """No child with these UPNs exists: an officer, who sees every child, gets 404."""
    for upn in upns:
        response = read_status(client, officer, upn)
        assert response.status_code == 404, f"{upn} is on the register: {response.text}"


def register_items(client: TestClient, officer: Headers, as_at: date = MONDAY) -> list[Any]:
    """Every child an officer sees on the register in the week containing ``as_at``."""
    response = client.get(
        "/api/v1/register", params={"as_at": as_at.isoformat(), "limit": 500}, headers=officer
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
