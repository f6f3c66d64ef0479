"""The committed OpenAPI document is exactly what the app serves."""

from pathlib import Path

from fastapi.testclient import TestClient

from app.openapi import openapi_document

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def test_committed_spec_matches_the_app() -> None:
    assert COMMITTED.read_text() == openapi_document(), "run `make openapi` and commit the result"


def test_the_served_spec_names_the_contract_paths(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/providers",
        "/api/v1/clients",
        "/api/v1/provision-records",
        "/api/v1/provision-records/batch",
        "/api/v1/pupils/{upn}",
        "/api/v1/register",
        "/api/v1/summary",
        "/api/v1/extracts/inspection",
    ):
        assert path in paths
