"""What a schema-driven client cannot infer is written in the API description, and a body that
is not UTF-8 gets the 400 the description declares."""

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.provision import assert_problem

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "openapi" / "openapi.json").read_text()
)


def test_a_body_that_is_not_utf_8_is_the_declared_400(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/providers",
        content=b'{"name": "\xff\xfe"}',
        headers=admin | {"Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)


def test_the_description_says_what_a_fuzzer_cannot_guess() -> None:
    text = json.dumps(SPEC)
    for rule in (
        "A Monday, the week's first day",
        "A date from 1990-01-01 to 2099-12-31",
        "a wrong check letter is refused",
        "an opaque cursor",
    ):
        assert rule in text, rule
