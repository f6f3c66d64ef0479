"""A real browser: Playwright driving the system's Chromium (never a downloaded one), over
the register served on loopback with the demo LA loaded."""

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Cookie, Page, sync_playwright

from app.demo import ensure_demo_people, load_demo

CHROMIUM = os.environ.get("CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Set by `make screenshots`: where the tests save each page at 1280 and 375 px.
SCREENSHOTS = os.environ.get("REGISTER_SCREENSHOTS")

needs_browser = pytest.mark.skipif(
    CHROMIUM is None or not AXE.exists(),
    reason="needs Chromium (apt-get install chromium), playwright and `npm ci` (axe-core)",
)


# Module scope: Playwright's sync API holds an event loop while it runs, which later tests that
# start their own (asyncio.run) must not find.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def demo(app: FastAPI, client: TestClient, live_url: str) -> str:
    """The register's address, with a small demo LA and its people loaded."""
    settings = app.state.settings
    load_demo(app.state.sessionmaker, settings=settings, children=120, providers=10, weeks=30)
    ensure_demo_people(app.state.sessionmaker, settings=settings)
    return live_url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser window (its own cookies), the service's CSP enforced."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    """Sign in by filling the form as a person would."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def axe_violations(browser: Browser, base: str, path: str, cookies: Sequence[Cookie]) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page (run in a window allowed to inject it)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        context.add_cookies(cookies)  # type: ignore[arg-type]
        checked = context.new_page()
        checked.goto(base + path)
        checked.add_script_tag(path=str(AXE))
        found = checked.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}))
                .violations.map(v => `${v.id}: ${v.help} ${v.nodes[0].target}`)"""
        )
        return [str(violation) for violation in found]
    finally:
        context.close()


def screenshot(
    browser: Browser, base: str, path: str, name: str, cookies: Sequence[Cookie]
) -> None:
    """Save the page at 1280 and 375 px wide into the screenshots folder (make screenshots)."""
    if not SCREENSHOTS:
        return
    for width in (1280, 375):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            context.add_cookies(cookies)  # type: ignore[arg-type]
            shot = context.new_page()
            shot.goto(base + path)
            # The top of a long page is what a reader of the README needs.
            height = min(shot.evaluate("document.body.scrollHeight"), 2400)
            clip = {"x": 0, "y": 0, "width": width, "height": height}
            target = Path(SCREENSHOTS) / f"{name}-{width}.png"
            shot.screenshot(path=str(target), full_page=True, clip=clip)  # type: ignore[arg-type]
        finally:
            context.close()
