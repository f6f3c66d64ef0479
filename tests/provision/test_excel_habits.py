"""Spreadsheets as Excel and the people using it leave them: UK dates, headers in their own
words, the example row left in, a title above the header. What can be read is read; what
cannot is refused naming the cell, and nothing is stored."""

import io
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from tests.builders import MONDAY, make_upn
from tests.provision import (
    Headers,
    Response,
    assert_not_on_register,
    assert_problem,
    status_of,
)
from tests.provision.test_spreadsheets import CSV, TEMPLATE, XLSX, as_csv, as_xlsx, send

ALICE, BEN = make_upn(51), make_upn(52)
EXAMPLE_UPN = "L801200015001"
UK_HEADER = ["UPN", "W/C", "DOB", "Hours offered", "Provision Type", "Reason"]


def uk_row(upn: str, hours: Any = "12.5", born: Any = "01/05/2013") -> list[Any]:
    return [upn, MONDAY.strftime("%d/%m/%Y"), born, hours, "alternative_provision", "medical"]


def errors(problem: dict[str, Any]) -> list[tuple[Any, Any, str]]:
    return [(e.get("row"), e.get("column"), e["detail"]) for e in problem["errors"]]


def saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_filled_in_as_excel_does_is_fixed_and_sent(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    book = load_workbook(io.BytesIO(client.get(f"{TEMPLATE}.xlsx", headers=school_auth).content))
    records = book["Records"]
    header = [str(cell.value) for cell in records[1]]
    records.cell(row=1, column=1, value="UPN")  # as people write it
    records.cell(row=1, column=header.index("date_of_birth") + 1, value="Date of birth")
    # The example row is left in; two children typed under it, one with a wrong hours cell.
    for upn, hours in ((ALICE, 12.5), (BEN, "12,5")):
        values = {
            "upn": upn,
            "week_commencing": MONDAY.strftime("%d/%m/%Y"),
            "date_of_birth": "01/05/13",
            "hours": hours,
            "provision_type": "alternative_provision",
        }
        records.append([values.get(name) for name in header])

    problem = assert_problem(send(client, school_auth, saved(book), XLSX), 422)
    assert [(row, column) for row, column, _ in errors(problem)] == [(2, "UPN"), (4, "hours")]
    example, comma = (detail for _, _, detail in errors(problem))
    assert "delete the example row" in example
    assert "decimal point" in comma and "12.5" in comma
    assert_not_on_register(client, officer, ALICE, BEN, EXAMPLE_UPN)

    records.delete_rows(2)
    records.cell(row=3, column=header.index("hours") + 1, value=12.5)
    accepted = send(client, school_auth, saved(book), XLSX)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 2
    assert status_of(client, officer, BEN)["total_hours"] == 12.5


def test_the_workbook_template_has_dropdowns_and_date_formats(
    client: TestClient, school_auth: Headers
) -> None:
    book = load_workbook(io.BytesIO(client.get(f"{TEMPLATE}.xlsx", headers=school_auth).content))
    records = book["Records"]
    header = [str(cell.value) for cell in records[1]]
    letters = {name: get_column_letter(i + 1) for i, name in enumerate(header)}
    dropdowns = {
        str(validation.sqref).split(":")[0][:-1]: validation
        for validation in records.data_validations.dataValidation
    }
    for column in ("provision_type", "reasons", "exclusion_type", "end_reason"):
        validation = dropdowns[letters[column]]
        assert validation.type == "list" and validation.formula1.startswith("'Codes'!")
    assert dropdowns[letters["provision_type"]].showErrorMessage  # one code from the list
    assert not dropdowns[letters["reasons"]].showErrorMessage  # several, separated by ";"
    for column in ("week_commencing", "date_of_birth", "timetable_review_date"):
        assert records.column_dimensions[letters[column]].number_format == "dd/mm/yyyy"
    example = records.cell(row=2, column=header.index("week_commencing") + 1)
    assert isinstance(example.value, datetime) and example.number_format == "dd/mm/yyyy"


def test_the_csv_template_stays_utf_8_with_a_bom(client: TestClient, school_auth: Headers) -> None:
    body = client.get(f"{TEMPLATE}.csv", headers=school_auth).content
    assert body.startswith(b"\xef\xbb\xbfupn,week_commencing,")
    # The template sent back as it came is refused at its example row, not stored.
    problem = assert_problem(send(client, school_auth, body), 422, "/records/0/upn")
    assert errors(problem) == [
        (2, "upn", f"{EXAMPLE_UPN} is the template's example: delete the example row")
    ]


@pytest.mark.parametrize(
    "body",
    [
        as_csv(uk_row(ALICE), uk_row(BEN, born="1/5/13"), header=UK_HEADER),
        as_xlsx(uk_row(ALICE), uk_row(BEN, born=datetime(2013, 5, 1)), header=UK_HEADER),
    ],
    ids=["csv", "xlsx"],
)
def test_uk_dates_and_headers_in_peoples_words_are_read(
    client: TestClient, school_auth: Headers, officer: Headers, body: bytes
) -> None:
    media_type = XLSX if body.startswith(b"PK") else CSV
    response = send(client, school_auth, body, media_type)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2
    status = status_of(client, officer, BEN)
    assert status["total_hours"] == 12.5


@pytest.mark.parametrize(
    "header",
    [
        ["upn", "Week commencing", "Date of birth", "HOURS", "provision_type", "reasons"],
        ["Upn", "week commencing", "date of birth", "Hours", "Provision type", "Reasons"],
        ["UPN", "Week_Commencing", "DOB", "Hours Offered", "provision type", "reason"],
    ],
)
def test_headers_match_ignoring_case_spaces_and_underscores(
    client: TestClient, school_auth: Headers, header: list[str]
) -> None:
    response = send(client, school_auth, as_csv(uk_row(ALICE), header=header))
    assert response.status_code == 200, response.text


def test_hours_attended_has_its_own_words(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = as_csv([*uk_row(ALICE, hours="12"), "10"], header=[*UK_HEADER, "Hours attended"])
    assert send(client, school_auth, body).status_code == 200
    [sent] = client.get("/api/v1/provision-records", headers=school_auth).json()["items"]
    assert (sent["hours"], sent["hours_attended"]) == (12, 10)


def test_an_unknown_header_still_gets_did_you_mean(
    client: TestClient, school_auth: Headers
) -> None:
    header = ["UPN", "W/C", "DOB", "Hours ofered", "Provision Type", "Reason"]
    problem = assert_problem(send(client, school_auth, as_csv(uk_row(ALICE), header=header)), 422)
    assert errors(problem) == [
        (1, "Hours ofered", "unknown column; did you mean hours?"),
        (1, "hours", "required column missing"),
    ]


@pytest.mark.parametrize(
    ("born", "detail"),
    [
        ("31/02/2026", "31/02/2026 is not a date: February 2026 has 28 days"),
        ("12/13/2013", "12/13/2013 is not a date: there is no month 13 (day/month/year)"),
        ("1st May 2013", "'1st May 2013' is not a date: write it as 30/11/2026 or 2026-11-30"),
    ],
)
def test_a_date_that_is_not_one_is_refused_saying_why(
    client: TestClient, school_auth: Headers, officer: Headers, born: str, detail: str
) -> None:
    body = as_csv(uk_row(ALICE), uk_row(BEN, born=born), header=UK_HEADER)
    problem = assert_problem(send(client, school_auth, body), 422, "/records/1/date_of_birth")
    assert errors(problem) == [(3, "DOB", detail)]
    assert_not_on_register(client, officer, ALICE, BEN)


@pytest.mark.parametrize("media_type", [CSV, XLSX])
def test_hours_with_a_decimal_comma_are_refused_saying_so(
    client: TestClient, school_auth: Headers, officer: Headers, media_type: str
) -> None:
    rows = (uk_row(ALICE), uk_row(BEN, hours="1,5"))
    body = (
        as_csv(*rows, header=UK_HEADER) if media_type == CSV else as_xlsx(*rows, header=UK_HEADER)
    )
    problem = assert_problem(send(client, school_auth, body, media_type), 422, "/records/1/hours")
    assert errors(problem) == [
        (3, "Hours offered", "hours use a decimal point, not a comma: write 1.5, not 1,5")
    ]
    assert_not_on_register(client, officer, ALICE, BEN)


def test_a_title_above_the_header_is_refused_saying_where_the_header_is(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = as_csv([], UK_HEADER, uk_row(ALICE), header=["Oak Tutors weekly return"])
    problem = assert_problem(send(client, school_auth, body), 422)
    assert errors(problem) == [
        (
            3,
            None,
            "the header row is row 3, not row 1: delete the 2 rows above it and send it again",
        )
    ]
    assert_not_on_register(client, officer, ALICE)


def test_a_sheet_with_no_header_row_says_none_was_found(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(uk_row(BEN), header=uk_row(ALICE))
    problem = assert_problem(send(client, school_auth, body), 422)
    assert "no header row" in problem["errors"][0]["detail"]
    assert "upn, week_commencing, date_of_birth" in problem["errors"][0]["detail"]


def test_two_rows_for_the_same_child_and_week_are_refused_naming_both(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = as_csv(uk_row(ALICE), uk_row(BEN), uk_row(ALICE, hours="10"), header=UK_HEADER)
    problem = assert_problem(send(client, school_auth, body), 422, "/records/2/upn")
    assert errors(problem) == [
        (4, "UPN", "the same child and week as row 2: send one row per child and week")
    ]
    assert_not_on_register(client, officer, ALICE, BEN)


def workbook(build: Any) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in (UK_HEADER, uk_row(ALICE), uk_row(BEN)):
        sheet.append(values)
    build(book, sheet)
    return saved(book)


def _merge(book: Workbook, sheet: Any) -> None:
    sheet.merge_cells("E2:E3")


def _hide(book: Workbook, sheet: Any) -> None:
    sheet.row_dimensions[3].hidden = True


def _formula(book: Workbook, sheet: Any) -> None:
    sheet["D3"] = "=6*2"


def _second_tab(book: Workbook, sheet: Any) -> None:
    data = book.copy_worksheet(sheet)
    data.title = "Week 1"
    sheet.delete_rows(1, 3)
    sheet.title = "Sheet1"


@pytest.mark.parametrize(
    ("build", "wanted"),
    [
        (_merge, (2, None, "cells E2:E3 are merged: unmerge them and fill each cell")),
        (_hide, (3, None, "row 3 is hidden: unhide it, or delete it if it is not to be sent")),
        (_formula, (3, "Hours offered", "a formula, not a value")),
        (
            _second_tab,
            (
                None,
                None,
                "the first sheet, 'Sheet1', is empty and the records are on 'Week 1': move "
                "them to the first sheet, or delete the empty sheet",
            ),
        ),
    ],
    ids=["merged", "hidden", "formula", "second-tab"],
)
def test_a_workbook_that_hides_what_is_sent_is_refused_naming_the_cell(
    client: TestClient, school_auth: Headers, officer: Headers, build: Any, wanted: Any
) -> None:
    problem = assert_problem(send(client, school_auth, workbook(build), XLSX), 422)
    assert errors(problem) == [wanted]
    assert_not_on_register(client, officer, ALICE, BEN)


def test_a_file_over_the_size_limit_is_refused_saying_the_limit(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(*[uk_row(ALICE)] * 90_000, header=UK_HEADER)  # about 5 MB
    response: Response = send(client, school_auth, body)
    problem = assert_problem(response, 413)
    assert "4 MB" in problem["detail"]


def test_an_iso_date_still_reads(client: TestClient, school_auth: Headers) -> None:
    body = as_csv(uk_row(ALICE, born=date(2013, 5, 1).isoformat()), header=UK_HEADER)
    assert send(client, school_auth, body).status_code == 200
