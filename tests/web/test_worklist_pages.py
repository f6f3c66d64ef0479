"""Alerts, returns, the inspection list, admin and a child's audit, as pages."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import ApiClient
from tests.builders import make_upn, record, submit, week
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, form_token, get_token, sign_in

UPN = make_upn(1)


@pytest.fixture
def below_full_time(
    client: TestClient, school: dict[str, Any], school_auth: dict[str, str]
) -> None:
    """A child with Oak Primary School at 5 hours for eight weeks (beyond the 6-week limit)."""
    for n in range(8):
        submit(client, school_auth, record(UPN, week_commencing=week(n), hours=5))


@pytest.fixture
def admin_browser(app: FastAPI, client: TestClient) -> TestClient:
    browser = TestClient(app)
    assert sign_in(browser, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    return browser


def test_the_alerts_worklist_links_each_child(
    officer_browser: TestClient, below_full_time: None
) -> None:
    page = officer_browser.get("/alerts", params={"week": week(7).isoformat()})
    assert page.status_code == 200
    assert "Below full time beyond the limit (1)" in page.text
    assert f'href="/children/{UPN}?week={week(7).isoformat()}"' in page.text
    one = officer_browser.get(
        "/alerts", params={"week": week(7).isoformat(), "rule": "no_school_on_roll"}
    )
    assert '<h1 class="govuk-heading-l">Alerts: No school on roll</h1>' in one.text


def test_returns_list_each_provider_and_the_children_missing(
    officer_browser: TestClient,
    client: TestClient,
    make_provider: Callable[..., dict[str, Any]],
    login_as: Callable[..., dict[str, str]],
    below_full_time: None,
) -> None:
    college = make_provider("Riverside College", "college")
    college_auth = login_as("provider", college["id"])
    other = make_upn(2)
    submit(client, college_auth, record(other, week_commencing=week(6), hours=20))
    page = officer_browser.get("/returns", params={"week": week(7).isoformat()})
    assert page.status_code == 200
    assert "Oak Primary School" in page.text
    assert ">Received</strong>" in page.text
    assert ">Missing</strong>" in page.text
    assert "Children still missing" in page.text
    assert f"/children/{other}" in page.text


def test_an_inspector_sees_and_downloads_the_inspection_list_and_nothing_else(
    browser_for: Callable[..., TestClient], below_full_time: None
) -> None:
    inspector = browser_for("inspector")
    page = inspector.get("/inspection", params={"week": week(7).isoformat()})
    assert page.status_code == 200
    assert "1 child on the list" in page.text
    assert UPN in page.text
    download = inspector.get("/inspection/download", params={"week": week(7).isoformat()})
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.splitlines()[0].startswith("child_id,upn,date_of_birth")
    assert UPN in download.text
    for elsewhere in ("/home", "/register", "/alerts", "/returns", "/admin", f"/children/{UPN}"):
        assert inspector.get(elsewhere).status_code == 403, elsewhere


def test_an_admin_rotates_a_client_secret_shown_once(
    admin_browser: TestClient, client: TestClient, officer: dict[str, str], app: FastAPI
) -> None:
    page = admin_browser.get("/admin")
    with app.state.sessionmaker() as session:
        client_id = session.scalar(
            select(ApiClient.client_id).where(ApiClient.role == "la_officer")
        )
    rotated = admin_browser.post(
        f"/admin/clients/{client_id}/rotate", data={"csrf_token": form_token(page.text)}
    )
    assert rotated.status_code == 200
    assert "it is shown only once" in rotated.text
    secret = rotated.text.split('<code id="client-secret">')[1].split("</code>")[0]
    assert get_token(client, str(client_id), secret)
    # The old token stopped at once.
    assert client.get("/api/v1/register", headers=officer).status_code == 401
    assert secret not in admin_browser.get("/admin").text


def test_an_admin_adds_people_and_clients_with_field_errors(
    admin_browser: TestClient, app: FastAPI, school: dict[str, Any]
) -> None:
    token = form_token(admin_browser.get("/admin").text)
    refused = admin_browser.post(
        "/admin/people",
        data={"csrf_token": token, "email": "nope", "name": "", "role": "", "password": "x"},
    )
    assert refused.status_code == 400
    for field in ("person-email", "person-name", "person-role", "person-password"):
        assert f'<a href="#{field}">' in refused.text
    added = admin_browser.post(
        "/admin/people",
        data={
            "csrf_token": token,
            "email": "new.officer@example.org",
            "name": "New Officer",
            "role": "la_officer",
            "password": "a-new-long-password",
        },
    )
    assert "The person was added" in added.text
    assert sign_in(TestClient(app), "new.officer@example.org", "a-new-long-password").is_redirect
    no_provider = admin_browser.post(
        "/admin/clients", data={"csrf_token": token, "name": "MIS", "role": "provider"}
    )
    assert '<a href="#client-provider_id">' in no_provider.text
    created = admin_browser.post(
        "/admin/clients",
        data={"csrf_token": token, "name": "MIS", "role": "provider", "provider_id": school["id"]},
    )
    assert "it is shown only once" in created.text


def test_a_childs_audit_shows_who_read_it(
    officer_browser: TestClient, admin_browser: TestClient, below_full_time: None
) -> None:
    officer_browser.get(f"/children/{UPN}")
    page = admin_browser.get(f"/children/{UPN}/audit")
    assert page.status_code == 200
    assert f"GET /children/{UPN}" in page.text
    assert "La Officer" in page.text  # the person's name, not an id
    assert "Created" in page.text
