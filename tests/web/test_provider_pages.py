"""A provider without an MIS on its pages: sending a week as a file or by typing it, a nil
return, what it sent, withdrawing and ending; its own children only, every read audited."""

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEvent
from tests.builders import MONDAY, make_upn, record, submit, week
from tests.conftest import form_token
from tests.provision import assert_not_on_register, status_of
from tests.provision.test_excel_habits import EXAMPLE_UPN, UK_HEADER, saved, uk_row
from tests.provision.test_spreadsheets import as_csv

ALICE, BEN = make_upn(61), make_upn(62)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def tutor(make_provider: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_provider("Oak Tutors", "tuition")


@pytest.fixture
def tutor_browser(browser_for: Callable[..., TestClient], tutor: dict[str, Any]) -> TestClient:
    return browser_for("provider", tutor["id"])


def upload(browser: TestClient, name: str, body: bytes, token: str | None = None) -> Any:
    token = token if token is not None else form_token(browser.get("/send").text)
    return browser.post(
        "/send",
        data={"csrf_token": token},
        files={"file": (name, body, "application/octet-stream")},
    )


def table_rows(html: str) -> list[list[str]]:
    table = html.split('id="upload-errors"', 1)[1].split("</table>", 1)[0]
    cells = [
        cell.strip()
        for cell in re.findall(r'<td class="govuk-table__cell">(.*?)</td>', table, re.S)
    ]
    return [cells[i : i + 3] for i in range(0, len(cells), 3)]


def test_a_provider_signs_in_to_send_a_week_with_its_own_links(tutor_browser: TestClient) -> None:
    home = tutor_browser.get("/")
    assert home.url.path == "/send"
    for link in ("Send a week", "What we sent", "Sign out"):
        assert f">{link}</" in home.text
    for link in ("Register", "Alerts", "Returns"):
        assert f">{link}</" not in home.text
    assert tutor_browser.get("/home").status_code == 403  # an officer's page


def test_the_excel_workbook_filled_as_people_do_is_fixed_and_sent(
    client: TestClient, tutor_browser: TestClient, officer: dict[str, str]
) -> None:
    template = tutor_browser.get("/send/template.xlsx")
    assert template.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(template.content))
    records = book["Records"]
    header = [str(cell.value) for cell in records[1]]
    records.cell(row=1, column=1, value="UPN")
    for upn, hours in ((ALICE, 10), (BEN, "ten")):
        values = {
            "upn": upn,
            "week_commencing": MONDAY.strftime("%d/%m/%Y"),
            "date_of_birth": "01/05/2013",
            "hours": hours,
            "provision_type": "home_tuition",
        }
        records.append([values.get(name) for name in header])

    refused = upload(tutor_browser, "week 1.xlsx", saved(book))
    assert refused.status_code == 422
    assert "There is a problem" in refused.text
    assert "You sent week 1.xlsx. Fix it, then choose week 1.xlsx again." in refused.text
    [example, wrong_hours] = table_rows(refused.text)
    assert example[:2] == ["2", "UPN"] and "delete the example row" in example[2]
    assert wrong_hours[:2] == ["4", "hours"] and "valid decimal" in wrong_hours[2]
    assert_not_on_register(client, officer, ALICE, BEN, EXAMPLE_UPN)

    records.delete_rows(2)
    records.cell(row=3, column=header.index("hours") + 1, value=10)
    sent = upload(tutor_browser, "week 1.xlsx", saved(book))
    assert sent.status_code == 200, sent.text
    assert "week 1.xlsx was sent" in sent.text
    assert "2 new records, 0 replaced, 0 provisions ended" in " ".join(sent.text.split())
    assert status_of(client, officer, BEN)["total_hours"] == 10

    what_we_sent = tutor_browser.get("/sent", params={"week": MONDAY.isoformat()})
    assert ALICE in what_we_sent.text and BEN in what_we_sent.text


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("week.xls", "week.xls is an .xls file, which the register cannot read: save it as an"),
        ("week.ods", "week.ods is an .ods file, which the register cannot read: save it as an"),
        ("week.pdf", "week.pdf is not a CSV or Excel (.xlsx) file"),
    ],
)
def test_a_file_the_register_cannot_read_says_to_save_it_as_xlsx_or_csv(
    tutor_browser: TestClient, name: str, wanted: str
) -> None:
    refused = upload(tutor_browser, name, b"anything")
    assert refused.status_code == 415
    assert wanted in refused.text and "CSV UTF-8" in refused.text


def test_an_upload_without_the_form_token_changes_nothing(
    client: TestClient, tutor_browser: TestClient, officer: dict[str, str]
) -> None:
    body = as_csv(uk_row(ALICE), header=UK_HEADER)
    for token in ("", "not-the-token"):
        refused = upload(tutor_browser, "week.csv", body, token=token)
        assert refused.status_code == 403
        assert "This form has expired" in refused.text
    assert_not_on_register(client, officer, ALICE)


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(
    tutor_browser: TestClient,
) -> None:
    refused = upload(tutor_browser, "week.csv", b"x" * (5 * 1024 * 1024))
    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert "The file is too large" in refused.text and "4 MB" in refused.text


def test_the_week_is_typed_from_last_weeks_hours_all_or_nothing(
    client: TestClient,
    tutor_browser: TestClient,
    tutor: dict[str, Any],
    officer: dict[str, str],
    college: dict[str, Any],
) -> None:
    for upn, hours in ((ALICE, 10), (BEN, 7.5)):
        submit(
            client,
            officer,
            record(upn, hours=hours, provider_id=tutor["id"], reasons=["medical"]),
            record(upn, hours=hours, provider_id=tutor["id"], week_commencing=week(1)),
        )
    submit(client, officer, record(make_upn(63), provider_id=college["id"]))  # not the tutor's

    form = tutor_browser.get("/send/typed", params={"week": week(2).isoformat()})
    assert form.status_code == 200
    assert re.search(rf'id="hours-{BEN}" [^>]*value="7.50"', form.text)
    assert make_upn(63) not in form.text
    fields = {"csrf_token": form_token(form.text), "week": week(2).isoformat()}

    wrong = tutor_browser.post(
        "/send/typed", data=fields | {f"hours-{ALICE}": "12", f"hours-{BEN}": "1,5"}
    )
    assert wrong.status_code == 422
    assert f'<a href="#hours-{BEN}">Enter the hours' in wrong.text
    assert status_of(client, officer, ALICE, week(2))["last_reported_week"] == week(1).isoformat()

    sent = tutor_browser.post(
        "/send/typed", data=fields | {f"hours-{ALICE}": "12", f"hours-{BEN}": "7.5"}
    )
    assert sent.status_code == 200 and sent.url.path == "/sent"
    assert "Hours for 2 children were sent." in sent.text
    assert status_of(client, officer, ALICE, week(2))["total_hours"] == 12
    assert status_of(client, officer, BEN, week(2))["total_hours"] == 7.5


def test_a_nil_return_and_what_we_sent_shows_it(
    tutor_browser: TestClient, client: TestClient, officer: dict[str, str], tutor: dict[str, Any]
) -> None:
    form = tutor_browser.get("/send")
    sent = tutor_browser.post(
        "/send/nil-return",
        data={"csrf_token": form_token(form.text), "week": week(3).isoformat()},
    )
    assert sent.status_code == 200 and "Your nil return for this week was sent." in sent.text
    assert "Nil return" in sent.text
    lines = client.get(
        "/api/v1/returns", params={"week_commencing": week(3).isoformat()}, headers=officer
    ).json()["providers"]
    assert [(line["provider_id"], line["status"]) for line in lines] == [
        (tutor["id"], "nil_return")
    ]


def test_a_nil_return_is_refused_while_children_are_due(
    tutor_browser: TestClient, client: TestClient, officer: dict[str, str], tutor: dict[str, Any]
) -> None:
    submit(client, officer, record(ALICE, provider_id=tutor["id"]))
    refused = tutor_browser.post(
        "/send/nil-return",
        data={
            "csrf_token": form_token(tutor_browser.get("/send").text),
            "week": week(1).isoformat(),
        },
    )
    assert refused.status_code == 422
    assert "send their records" in refused.text


def test_withdrawing_and_ending_from_the_pages(
    tutor_browser: TestClient, client: TestClient, officer: dict[str, str], tutor: dict[str, Any]
) -> None:
    submit(
        client,
        officer,
        record(ALICE, provider_id=tutor["id"]),
        record(ALICE, provider_id=tutor["id"], week_commencing=week(1)),
    )
    page = tutor_browser.get("/sent", params={"week": week(1).isoformat()})
    withdrawn = tutor_browser.post(
        "/sent/withdraw",
        data={"csrf_token": form_token(page.text), "upn": ALICE, "week": week(1).isoformat()},
    )
    assert "The record was withdrawn." in withdrawn.text and "Withdrawn" in withdrawn.text
    assert status_of(client, officer, ALICE, week(1))["last_reported_week"] == MONDAY.isoformat()

    child = tutor_browser.get(f"/sent/children/{ALICE}")
    assert child.status_code == 200
    token = form_token(child.text)
    missing = tutor_browser.post(f"/sent/children/{ALICE}/end", data={"csrf_token": token})
    assert missing.status_code == 422
    assert '<a href="#end_reason">Choose why the provision ended</a>' in missing.text
    ended = tutor_browser.post(
        f"/sent/children/{ALICE}/end",
        data={
            "csrf_token": token,
            "end_date": (MONDAY.replace(day=11)).isoformat(),
            "end_reason": "returned_full_time",
        },
    )
    assert ended.status_code == 200 and "The provision was ended." in ended.text
    assert status_of(client, officer, ALICE, week(2))["exit_reason"] == "returned_full_time"


def test_another_providers_child_is_not_found(
    tutor_browser: TestClient, client: TestClient, officer: dict[str, str], college: dict[str, Any]
) -> None:
    submit(client, officer, record(BEN, provider_id=college["id"]))
    for path in (f"/sent/children/{BEN}", "/sent/children/not-a-upn"):
        refused = tutor_browser.get(path)
        assert refused.status_code == 404
        assert "Page not found" in refused.text or "Not found" in refused.text
        assert "What we sent for this child" not in refused.text
    token = form_token(tutor_browser.get("/send").text)
    ended = tutor_browser.post(
        f"/sent/children/{BEN}/end",
        data={"csrf_token": token, "end_date": MONDAY.isoformat(), "end_reason": "other"},
    )
    assert ended.status_code == 404
    assert status_of(client, officer, BEN)["on_register"]


def test_page_reads_of_children_are_audited(
    tutor_browser: TestClient,
    client: TestClient,
    officer: dict[str, str],
    tutor: dict[str, Any],
    app: Any,
) -> None:
    submit(client, officer, record(ALICE, provider_id=tutor["id"]))
    tutor_browser.get(f"/sent/children/{ALICE}")
    tutor_browser.get("/sent", params={"week": MONDAY.isoformat()})
    with app.state.sessionmaker() as session:
        events = session.execute(
            select(AuditEvent.path, AuditEvent.children, AuditEvent.role).where(
                AuditEvent.path.in_([f"/sent/children/{ALICE}", "/sent"])
            )
        ).all()
    assert sorted(events) == [("/sent", 1, "provider"), (f"/sent/children/{ALICE}", 1, "provider")]
