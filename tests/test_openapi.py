"""The committed OpenAPI document is exactly what the app serves."""

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.openapi_file import openapi_document

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


def test_every_operation_is_described_for_generated_clients(client: TestClient) -> None:
    """A guard for new routes: description, a defined tag, Problem errors, examples."""
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(spec)
    assert spec["servers"] and spec["info"]["contact"]
    tags = {tag["name"] for tag in spec["tags"]}
    flows = spec["components"]["securitySchemes"]["clientCredentials"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/auth/token"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("description"), where
            assert set(operation["tags"]) <= tags, where
            for status, response in operation["responses"].items():
                for media_type, media in response.get("content", {}).items():
                    assert "example" in media, f"{where} {status} {media_type}"
                if status[0] in "45":
                    problem = response["content"]["application/problem+json"]["schema"]
                    assert problem == {"$ref": "#/components/schemas/Problem"}, where
            if operation.get("security") and path != "/api/v1/auth/token":
                assert {"401", "503"} <= set(operation["responses"]), where
            for media in operation.get("requestBody", {}).get("content", {}).values():
                assert "example" in media, where


def test_the_documented_request_examples_are_accepted(
    client: TestClient, school_auth: dict[str, str]
) -> None:
    """An integrator copying an example from the description gets it stored, not a 422."""
    paths = client.get("/openapi.json").json()["paths"]

    def example(path: str) -> Any:
        return paths[path]["post"]["requestBody"]["content"]["application/json"]["example"]

    for path, expected in (
        ("/api/v1/provision-records/batch", 200),
        ("/api/v1/provision-records", 200),  # the same record again: replaced
        ("/api/v1/provision-ends", 201),
    ):
        response = client.post(path, json=example(path), headers=school_auth)
        assert response.status_code == expected, response.text
