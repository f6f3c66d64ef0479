"""Signing in to the pages: local accounts, sessions, CSRF, roles and what is refused."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.models import AuditEvent, PersonSession
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, form_token, sign_in


def test_signed_out_the_start_page_asks_to_sign_in_with_the_contract_labels(
    client: TestClient,
) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2F"
    page = client.get("/sign-in").text
    assert '<label class="govuk-label" for="email">Email address</label>' in page
    assert '<label class="govuk-label" for="password">Password</label>' in page
    assert ">Sign in</button>" in page


def test_the_first_admin_from_settings_signs_in_and_sees_every_link(
    app: FastAPI, client: TestClient
) -> None:
    browser = TestClient(app, base_url="https://register.example.org")
    response = sign_in(browser, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if "register_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie  # reached over HTTPS
    home = browser.get("/")
    assert home.url.path == "/home"
    for link in ("Register", "Alerts", "Returns", "Inspection list", "Admin", "Sign out"):
        assert f">{link}</" in home.text


def test_over_plain_http_the_cookie_is_not_marked_secure(app: FastAPI, client: TestClient) -> None:
    response = sign_in(TestClient(app), ADMIN_EMAIL, ADMIN_PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if "register_session" in c)
    assert "Secure" not in cookie


def test_a_wrong_password_is_shown_in_an_error_summary(
    app: FastAPI, make_person: Callable[..., dict[str, Any]]
) -> None:
    person = make_person("la_officer")
    response = sign_in(TestClient(app), person["email"], "not-the-password")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert '<a href="#email">Enter a correct email address and password</a>' in response.text
    assert "register_session" not in response.headers.get("set-cookie", "")


def test_failed_sign_ins_are_throttled_per_address_typed(
    app: FastAPI, make_person: Callable[..., dict[str, Any]]
) -> None:
    person = make_person("la_officer")
    browser = TestClient(app)
    for _ in range(10):
        assert sign_in(browser, person["email"], "wrong-password-x").status_code == 400
    # Even the right password waits once the limit is reached.
    response = sign_in(browser, person["email"])
    assert response.status_code == 400
    assert "Too many failed attempts" in response.text


def test_an_inspector_sees_only_the_inspection_list_and_gets_a_403_page_elsewhere(
    browser_for: Callable[..., TestClient],
) -> None:
    inspector = browser_for("inspector")
    home = inspector.get("/")
    assert home.url.path == "/inspection"
    refused = inspector.get("/home")
    assert refused.status_code == 403
    assert "You do not have permission to see this page" in refused.text
    assert ">Register</a>" not in refused.text
    assert ">Inspection list" in refused.text


def test_forms_without_the_csrf_token_are_refused(app: FastAPI, client: TestClient) -> None:
    browser = TestClient(app)
    page = browser.get("/sign-in")
    data = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/"}
    for token in (None, "stale-or-forged"):
        sent = data | ({"csrf_token": token} if token else {})
        response = browser.post("/sign-in", data=sent, follow_redirects=False)
        assert response.status_code == 403
        assert "This form has expired" in response.text
        assert "register_session" not in response.headers.get("set-cookie", "")
    sent = data | {"csrf_token": form_token(page.text)}
    assert browser.post("/sign-in", data=sent, follow_redirects=False).status_code == 303


def test_an_idle_session_signs_in_again_and_returns_to_the_page_asked_for(
    app: FastAPI, officer_browser: TestClient, make_person: Callable[..., dict[str, Any]]
) -> None:
    person = make_person("la_officer")
    browser = TestClient(app)
    sign_in(browser, person["email"])
    with app.state.sessionmaker() as session:
        session.execute(
            update(PersonSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
        )
        session.commit()
    response = browser.get("/home?week=2026-11-02", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fhome%3Fweek%3D2026-11-02"
    again = sign_in(browser, person["email"], next_path="/home?week=2026-11-02")
    assert again.headers["location"] == "/home?week=2026-11-02"
    assert browser.get("/home?week=2026-11-02").status_code == 200


def test_sign_out_ends_the_session(officer_browser: TestClient) -> None:
    assert officer_browser.get("/home").status_code == 200
    cookie = officer_browser.cookies["register_session"]
    assert officer_browser.get("/sign-out").url.path == "/sign-in"
    # The old cookie, kept by an attacker or another tab, is refused too.
    officer_browser.cookies.set("register_session", cookie)
    assert officer_browser.get("/home", follow_redirects=False).status_code == 303


def test_a_bearer_token_is_not_a_session_and_a_session_is_not_a_token(
    client: TestClient, officer: dict[str, str], officer_browser: TestClient
) -> None:
    assert client.get("/home", headers=officer, follow_redirects=False).status_code == 303
    assert officer_browser.get("/api/v1/register").status_code == 401


def test_pages_allow_only_the_services_own_assets(officer_browser: TestClient) -> None:
    response = officer_browser.get("/home")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "style-src 'self'" in policy
    assert "script-src" not in policy  # no script at all
    assert response.headers["cache-control"] == "no-store"
    css = officer_browser.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200
    assert "govuk-" in css.text


def test_an_open_redirect_after_sign_in_goes_home_instead(
    app: FastAPI, make_person: Callable[..., dict[str, Any]]
) -> None:
    person = make_person("la_officer")
    for elsewhere in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = sign_in(TestClient(app), person["email"], next_path=elsewhere)
        assert response.headers["location"] == "/"


def test_every_page_view_is_in_the_audit_trail(
    app: FastAPI, make_person: Callable[..., dict[str, Any]]
) -> None:
    person = make_person("la_officer")
    browser = TestClient(app)
    sign_in(browser, person["email"])
    browser.get("/home")
    with app.state.sessionmaker() as session:
        paths = session.scalars(
            select(AuditEvent.path).where(AuditEvent.client_id == f"person-{person['id']}")
        ).all()
    assert paths == ["/sign-in", "/home"]
