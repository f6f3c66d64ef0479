"""The pages in a real browser on the demo LA: accessibility on every page, the officer's
Monday by keyboard alone, the inspector's download, an admin rotating a secret, and signing
in with the identity provider."""

import csv
import io
import re

import httpx
from playwright.sync_api import Browser, Page, expect

from app.demo import DEMO_PEOPLE
from tests.browser.conftest import axe_violations, needs_browser, screenshot, sign_in
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.oidc import needs_provider

pytestmark = needs_browser
OFFICER = next(person for person in DEMO_PEOPLE if person[2] == "la_officer")
INSPECTOR = next(person for person in DEMO_PEOPLE if person[2] == "inspector")


def _first_child(page: Page, base: str) -> str:
    page.goto(f"{base}/register?below=true")
    link = page.locator("a[href^='/children/']").first
    found = re.search(r"/children/([A-Z0-9]+)", link.get_attribute("href") or "")
    assert found
    return found.group(1)


def test_every_page_passes_axe_and_is_photographed(browser: Browser, page: Page, demo: str) -> None:
    assert axe_violations(browser, demo, "/sign-in", []) == []
    screenshot(browser, demo, "/sign-in", "sign-in", [])
    sign_in(page, demo, ADMIN_EMAIL, ADMIN_PASSWORD)
    upn = _first_child(page, demo)
    cookies = page.context.cookies()
    pages = {
        "home": "/home",
        "register": "/register?below=true",
        "child": f"/children/{upn}",
        "child-audit": f"/children/{upn}/audit",
        "alerts": "/alerts",
        "returns": "/returns",
        "inspection-list": "/inspection",
        "admin": "/admin",
        "not-a-upn": "/children/not-a-upn",
    }
    for name, path in pages.items():
        assert axe_violations(browser, demo, path, cookies) == [], path
        screenshot(browser, demo, path, name, cookies)


def _tab_to(page: Page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the element with this accessible text has the focus, then Enter."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return e.innerText || e.value || "
            "(e.labels && e.labels[0] ? e.labels[0].innerText : '') }"
        )
        if name in str(focused):
            return
    raise AssertionError(f"{name!r} cannot be reached with the keyboard")


def test_the_officers_monday_by_keyboard_alone(page: Page, demo: str) -> None:
    email, _, _, password = OFFICER
    page.goto(f"{demo}/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2F$"))
    _tab_to(page, "Email address")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    # Which alerts need action: straight to one rule's worklist.
    _tab_to(page, "Below full time beyond the limit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Below full time beyond the limit")
    # The longest-standing child on it, and their page.
    first = page.locator("main a[href^='/children/']").first
    upn = first.inner_text()
    _tab_to(page, upn)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Weekly hours by provider", exact=True)).to_be_attached()
    # End their provision with the form, by keyboard.
    _tab_to(page, "End date")
    page.keyboard.type("01/01/2026")  # a day that cannot end it: the error summary says why
    _tab_to(page, "Reason")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "End provision")
    page.keyboard.press("Enter")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    # Record a UPN change that is not a UPN: refused, field by field.
    _tab_to(page, "New UPN")
    page.keyboard.type("NOT-A-UPN")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text("UPN")
    # Who is below 25 hours, searched for by UPN on the Register.
    page.goto(f"{demo}/register")
    _tab_to(page, "Search by UPN or name")
    page.keyboard.type(upn)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("1 child on the register matches")
    # Which providers are late.
    _tab_to(page, "Returns")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Returns")).to_be_visible()
    _tab_to(page, "Sign out")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_the_inspector_downloads_the_inspection_list(page: Page, demo: str) -> None:
    email, _, _, password = INSPECTOR
    sign_in(page, demo, email, password)
    expect(page.get_by_role("heading", name="Inspection list")).to_be_visible()
    links = [link.inner_text() for link in page.locator("nav a").all()]
    assert links == ["Inspection list", "Sign out"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the inspection list as CSV").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert rows
    assert "given_name" not in rows[0]
    shown = page.get_by_role("status").inner_text()
    assert f"{len(rows)} children on the list" in shown


def test_an_admin_rotates_a_client_secret(page: Page, demo: str) -> None:
    sign_in(page, demo, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("button", name="Rotate secret of test-admin").click()
    expect(page.get_by_text("it is shown only once")).to_be_visible()
    secret = page.locator("#client-secret").inner_text()
    token = httpx.post(
        f"{demo}/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "test-admin",
            "client_secret": secret,
        },
    )
    assert token.status_code == 200


@needs_provider
def test_signing_in_with_the_identity_provider(page: Page, demo: str, oidc_issuer: str) -> None:
    page.goto(f"{demo}/sign-in?next=%2Fregister")
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    page.locator("input[name=login]").fill("officer")
    page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()  # the provider's consent
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_text("Signed in as Olive Officer")).to_be_visible()
