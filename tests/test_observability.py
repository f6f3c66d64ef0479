"""Logs, request ids, metrics, offline docs, problem pages and a database outage."""

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.migrations import upgrade_to_head
from app.observability.logs import UtcJsonFormatter
from tests.builders import make_upn, record, submit
from tests.conftest import restarted
from tests.provision import assert_problem

Headers = dict[str, str]


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The request log lines as they are written: JSON."""
    formatter = UtcJsonFormatter("%(message)s")
    return [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "register.requests"
    ]


def test_a_request_log_line_names_the_route_never_the_upn(
    client: TestClient, officer: Headers, school_auth: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    upn = make_upn(7)
    submit(client, school_auth, record(upn, given_name="Sam", family_name="Smith"))
    caplog.set_level(logging.INFO, logger="register.requests")
    response = client.get(f"/api/v1/pupils/{upn}", headers=officer | {"X-Request-ID": "abc-123"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "abc-123"
    [line] = request_lines(caplog)
    assert line["route"] == "/api/v1/pupils/{upn}"
    assert (line["method"], line["status"], line["role"]) == ("GET", 200, "la_officer")
    assert line["client_id"].startswith("la_officer-")
    assert line["request_id"] == "abc-123"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["duration_ms"] >= 0
    written = json.dumps(line)
    for personal in (upn, "Sam", "Smith", "2013-05-01"):
        assert personal not in written


def test_a_request_id_is_made_when_none_or_an_unsafe_one_is_sent(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="register.requests")
    plain = client.get("/healthz")
    forged = client.get("/healthz", headers={"X-Request-ID": 'x"\n{"status": 200}'})
    made = [plain.headers["x-request-id"], forged.headers["x-request-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", made_id) for made_id in made)
    assert made[0] != made[1]
    assert [line["request_id"] for line in request_lines(caplog)] == made


def test_a_traceparent_is_carried_into_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="register.requests")
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    client.get("/healthz", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    [line] = request_lines(caplog)
    assert (line["trace_id"], line["parent_span_id"]) == (trace, "00f067aa0ba902b7")


def test_childrens_data_and_tokens_are_never_cached(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    upn = make_upn(8)
    submit(client, school_auth, record(upn))
    for response in (
        client.get(f"/api/v1/pupils/{upn}", headers=officer),
        client.get("/api/v1/register", headers=officer),
        client.get("/api/v1/extracts/inspection", headers=officer),
        client.get("/api/v1/pupils/nobody", headers=officer),
    ):
        assert response.headers["cache-control"] == "no-store"


def test_metrics_count_requests_by_route_and_ingest_when_enabled(
    app: FastAPI, settings: Settings, client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert client.get("/metrics").status_code == 404  # off unless the setting is on
    with restarted(app, settings.model_copy(update={"metrics_enabled": True})) as metered:
        upn = make_upn(9)
        submit(metered, school_auth, record(upn), record(make_upn(10)))
        metered.get(f"/api/v1/pupils/{upn}", headers=officer)
        text = metered.get("/metrics").text
    assert 'register_ingest_records_total{outcome="created"} 2.0' in text
    assert (
        'register_http_requests_total{method="GET",route="/api/v1/pupils/{upn}",status="200"} 1.0'
        in text
    )
    assert "register_http_request_duration_seconds_bucket" in text
    assert re.search(r"^register_version \d+", text, re.MULTILINE)
    assert "register_db_pool_checked_out" in text
    assert upn not in text


def test_the_docs_and_every_asset_they_load_come_from_the_service(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assets = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", html.text)
        assert assets, html.text
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert client.get(asset).status_code == 200, asset


def test_every_problem_type_resolves_to_a_page_explaining_it(client: TestClient) -> None:
    spec = json.dumps(client.get("/openapi.json").json())
    types = set(re.findall(r'"type": "(/problems/[a-z-]+)"', spec))
    assert len(types) >= 8
    for uri in types:
        page = client.get(uri)
        assert page.status_code == 200
        assert "HTTP " in page.text


def test_a_database_outage_is_a_503_problem_and_the_service_recovers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not-yet' / 'register.db'}"
    settings = Settings(database_url=url, admin_client_id=None)
    app = create_app(settings)

    def token(http: TestClient) -> Any:
        return http.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )

    with TestClient(app) as http:
        assert_problem(token(http), 503)
        assert_problem(http.get("/readyz"), 503)
        assert http.get("/healthz").status_code == 200
        (tmp_path / "not-yet").mkdir()
        upgrade_to_head(settings)
        assert http.get("/readyz").status_code == 200
        assert_problem(token(http), 401)
