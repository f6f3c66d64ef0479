"""Signing in with an OpenID Connect provider: a real one (the oidc-provider package) started
on loopback, and the register served over real HTTP."""

import re
import time
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.models import Person
from tests.oidc import free_port, needs_provider, start_provider

pytestmark = needs_provider


def _walk(browser: httpx.Client, response: httpx.Response) -> httpx.Response | str:
    """Follow redirects at the provider; the register's callback URL once it is reached."""
    while response.is_redirect:
        target = str(response.url.join(response.headers["location"]))
        if "/sign-in/oidc/callback" in target:
            return target
        response = browser.get(target)
    return response


def _log_in_at_provider(browser: httpx.Client, start: httpx.Response, login: str) -> str:
    """Type a login at the provider's development login page and consent; the callback URL."""
    page = _walk(browser, start)
    for _ in range(4):
        if isinstance(page, str):
            return page
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        assert action, page.text
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
        fields |= {"login": login, "password": "any"} if 'name="login"' in page.text else {}
        page = _walk(browser, browser.post(page.url.join(action.group(1)), data=fields))
    raise AssertionError("the provider did not send the browser back")


def _begin(browser: httpx.Client, live_url: str, next_path: str = "/") -> httpx.Response:
    return browser.get(f"{live_url}/sign-in/oidc", params={"next": next_path})


def _people(app: FastAPI) -> int:
    with app.state.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def test_an_officer_signs_in_with_the_identity_provider(
    app: FastAPI, live_url: str, oidc_issuer: str
) -> None:
    with httpx.Client() as browser:
        callback = _log_in_at_provider(browser, _begin(browser, live_url, "/register"), "officer")
        landed = browser.get(callback, follow_redirects=True)
        assert landed.url.path == "/register"
        assert "Signed in as Olive Officer (officer@idp.example.org)" in landed.text
    with app.state.sessionmaker() as session:
        person = session.scalars(
            select(Person).where(Person.email == "officer@idp.example.org")
        ).one()
    assert person.role == "la_officer"
    assert person.password_hash is None


def test_a_person_without_a_mapped_role_is_told_they_have_no_access(
    app: FastAPI, live_url: str, oidc_issuer: str
) -> None:
    before = _people(app)
    with httpx.Client() as browser:
        callback = _log_in_at_provider(browser, _begin(browser, live_url), "nobody")
        page = browser.get(callback, follow_redirects=True)
    assert page.status_code == 403
    assert "You do not have access to the register" in page.text
    assert "register_session" not in browser.cookies
    assert _people(app) == before


def test_a_wrong_state_or_a_code_used_twice_is_refused(
    app: FastAPI, live_url: str, oidc_issuer: str
) -> None:
    before = _people(app)
    with httpx.Client() as browser:
        callback = _log_in_at_provider(browser, _begin(browser, live_url), "officer")
        query = parse_qs(urlparse(callback).query)
        forged = f"{live_url}/sign-in/oidc/callback?" + urlencode(
            {"code": query["code"][0], "state": "not-the-state"}
        )
        refused = browser.get(forged)
        assert refused.status_code == 400
        assert "Sign-in failed" in refused.text
    assert _people(app) == before
    with httpx.Client() as browser:
        callback = _log_in_at_provider(browser, _begin(browser, live_url), "officer")
        # The code expires (the provider keeps it 5 seconds in these tests).
        time.sleep(6)
        assert browser.get(callback).status_code == 400
    assert _people(app) == before


def test_a_callback_without_a_sign_in_begun_here_is_refused(
    app: FastAPI, live_url: str, oidc_issuer: str
) -> None:
    with httpx.Client() as browser:
        response = browser.get(f"{live_url}/sign-in/oidc/callback?code=x&state=y")
    assert response.status_code == 400
    assert "Sign-in failed" in response.text


def test_an_id_token_from_another_issuer_is_refused(
    app: FastAPI, live_url: str, oidc_issuer: str
) -> None:
    # A second provider at another address answers the browser: the code and ID token it
    # issues are not the configured issuer's, so the register refuses them.
    port = free_port()
    other = start_provider(port, f"{live_url}/sign-in/oidc/callback")
    try:
        before = _people(app)
        with httpx.Client() as browser:
            sent_to = _begin(browser, live_url).headers["location"]
            moved = browser.get(sent_to.replace(oidc_issuer, f"http://127.0.0.1:{port}"))
            callback = _log_in_at_provider(browser, moved, "officer")
            assert browser.get(callback).status_code == 400
        assert _people(app) == before
    finally:
        other.terminate()
        other.wait(10)
