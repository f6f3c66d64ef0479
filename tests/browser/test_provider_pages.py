"""A tutor with no MIS in a real browser on the demo LA: the workbook it downloaded, filled in
as people do (UPN header, UK dates, the example row left in, a wrong hours cell), refused cell
by cell and sent once fixed; next week typed on the page; a nil return; another provider's
child out of reach; axe-core finds nothing on any of these pages."""

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.demo import DEMO_TUTOR
from app.inputs import today
from app.models import Person, ProvisionRecord, Pupil
from app.register.rules import WEEK, monday_of
from tests.browser.conftest import AXE, SCREENSHOTS, needs_browser, sign_in
from tests.builders import make_upn

pytestmark = needs_browser
EMAIL, _, _, PASSWORD = DEMO_TUTOR
SENT_WEEK = monday_of(today()) - 2 * WEEK
TYPED_WEEK = SENT_WEEK + WEEK
CHILDREN = (make_upn(901, establishment=3000), make_upn(902, establishment=3000))


@pytest.fixture
def tutor(browser: Browser, demo: str) -> Iterator[Page]:
    """The tutor signed in, in a window where axe-core may be injected into any page state."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, demo, EMAIL, PASSWORD)
    yield page
    context.close()


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds no violation on the page as it stands; photographed for the README."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}}))
            .violations.map(v => `${v.id}: ${v.help} ${v.nodes[0].target}`)"""
    )
    assert found == [], name
    if SCREENSHOTS:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def error_table(page: Page) -> list[list[str]]:
    rows = page.locator("#upload-errors tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_a_tutors_week_checked_by_axe_and_photographed(
    tutor: Page, demo: str, tmp_path: Path
) -> None:
    expect(tutor.get_by_role("heading", name="Send a week")).to_be_visible()
    assert_accessible(tutor, "send-a-week")
    with tutor.expect_download() as downloading:
        tutor.get_by_role("link", name="Excel template (.xlsx)").click()
    book = load_workbook(io.BytesIO(Path(downloading.value.path()).read_bytes()))
    records = book["Records"]
    header = [str(cell.value) for cell in records[1]]
    records.cell(row=1, column=1, value="UPN")
    for upn, hours in zip(CHILDREN, (5, "7,5"), strict=True):
        values = {
            "upn": upn,
            "week_commencing": SENT_WEEK.strftime("%d/%m/%Y"),
            "date_of_birth": "14/03/2013",
            "hours": hours,
            "provision_type": "home_tuition",
            "reasons": "medical",
        }
        records.append([values.get(name) for name in header])
    filled = tmp_path / "oak-tutors-week.xlsx"
    book.save(filled)

    tutor.get_by_label("The week's spreadsheet").set_input_files(filled)
    tutor.get_by_role("button", name="Send the file").click()
    expect(tutor.get_by_text("There is a problem")).to_be_visible()
    table = error_table(tutor)
    assert [row[:2] for row in table] == [["2", "UPN"], ["4", "hours"]]
    assert "delete the example row" in table[0][2]
    assert "decimal point" in table[1][2]
    expect(tutor.get_by_text("You sent oak-tutors-week.xlsx.")).to_be_visible()
    assert_accessible(tutor, "send-a-week-errors")

    records.delete_rows(2)
    records.cell(row=3, column=header.index("hours") + 1, value=7.5)
    book.save(filled)
    tutor.get_by_label("The week's spreadsheet").set_input_files(filled)
    tutor.get_by_role("button", name="Send the file").click()
    expect(tutor.get_by_text("oak-tutors-week.xlsx was sent")).to_be_visible()
    expect(tutor.locator(".govuk-panel__body")).to_contain_text("2 new records")

    tutor.goto(f"{demo}/sent?week={SENT_WEEK}")
    for upn in CHILDREN:
        expect(tutor.get_by_role("link", name=upn)).to_be_visible()
    assert_accessible(tutor, "what-we-sent")

    # Next week by hand: last week's hours are there to confirm; one is changed.
    tutor.goto(f"{demo}/send/typed?week={TYPED_WEEK}")
    field = tutor.get_by_label(f"Hours this week for UPN {CHILDREN[1]}")
    expect(field).to_have_value("7.50")
    assert_accessible(tutor, "type-the-week")
    field.fill("10")
    tutor.get_by_role("button", name="Send these hours").click()
    expect(tutor.get_by_text(re.compile(r"Hours for \d+ child(ren)? were sent"))).to_be_visible()
    expect(tutor.get_by_role("link", name=CHILDREN[1])).to_be_visible()

    # A nil return for a week long before any of its children.
    quiet = monday_of(today()) - 60 * WEEK
    tutor.goto(f"{demo}/send")
    tutor.get_by_label("Week (any day of it)").fill(quiet.isoformat())
    tutor.get_by_role("button", name="Send a nil return").click()
    expect(tutor.get_by_text("Your nil return for this week was sent.")).to_be_visible()


def test_another_providers_child_is_not_found_photographed(
    tutor: Page, demo: str, app: FastAPI
) -> None:
    with app.state.sessionmaker() as session:
        own = session.scalar(select(Person.provider_id).where(Person.email == EMAIL))
        ours = select(ProvisionRecord.pupil_id).where(ProvisionRecord.provider_id == own)
        upn = session.scalar(select(Pupil.upn).where(Pupil.id.not_in(ours)).limit(1))
    response = tutor.goto(f"{demo}/sent/children/{upn}")
    assert response is not None and response.status == 404
    expect(tutor.get_by_role("heading", name="Not found")).to_be_visible()
    expect(tutor.get_by_text("What we sent for this child")).to_have_count(0)
    assert_accessible(tutor, "another-providers-child")
