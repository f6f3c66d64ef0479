"""Weekly returns as spreadsheets: a provider with no MIS fills the template, sends it, fixes
the cells the answer names, and sends it again. Bad files are refused whole."""

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.builders import MONDAY, make_upn, record
from tests.provision import (
    BATCH,
    Headers,
    Response,
    assert_not_on_register,
    assert_problem,
    status_of,
)

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "/api/v1/provision-records/template"
HEADER = ["upn", "week_commencing", "date_of_birth", "hours", "provision_type", "reasons"]
ALICE, BEN = make_upn(41), make_upn(42)


def row(upn: str, hours: Any = "12.5", reasons: str = "part_time_timetable") -> list[Any]:
    return [upn, MONDAY.isoformat(), "2013-05-01", hours, "alternative_provision", reasons]


def as_csv(*rows: list[Any], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([header, *rows])
    return text.getvalue().encode("utf-8-sig")


def as_xlsx(*rows: list[Any], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in (header, *rows):
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(client: TestClient, auth: Headers, body: bytes, media_type: str = CSV) -> Response:
    return client.post(BATCH, content=body, headers=auth | {"Content-Type": media_type})


def cells(body: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(error.get("row"), error.get("column")) for error in body["errors"]]


def test_the_csv_template_round_trip(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    template = client.get(f"{TEMPLATE}.csv", headers=school_auth)
    assert template.status_code == 200
    assert template.headers["content-type"].startswith(CSV)
    header, example = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert header[:5] == ["upn", "week_commencing", "date_of_birth", "hours", "provision_type"]
    assert example[header.index("provision_type")] == "alternative_provision"

    def filled(ben_hours: str) -> bytes:
        rows = []
        for upn, hours in ((ALICE, "12.5"), (BEN, ben_hours)):
            values = dict(zip(header, example, strict=True)) | {
                "upn": upn,
                "week_commencing": MONDAY.isoformat(),
                "hours": hours,
            }
            rows.append([values[name] for name in header])
        return as_csv(*rows, header=header)

    refused = assert_problem(send(client, school_auth, filled("twelve")), 422, "/records/1/hours")
    assert cells(refused) == [(3, "hours")]  # row 3: the header is row 1, Alice row 2
    assert_not_on_register(client, officer, ALICE, BEN)

    accepted = send(client, school_auth, filled("12"))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 2
    assert status_of(client, officer, BEN)["total_hours"] == 12


def test_the_excel_template_round_trip(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    template = client.get(f"{TEMPLATE}.xlsx", headers=school_auth)
    assert template.status_code == 200
    assert template.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(template.content))
    records, codes = book.worksheets
    assert (records.title, codes.title) == ("Records", "Codes")
    listed = {
        (str(column[0].value), code.value)
        for column in codes.iter_cols()
        for code in column[1:]
        if code.value
    }
    assert ("reasons", "part_time_timetable") in listed
    assert ("end_reason", "returned_full_time") in listed
    header = [cell.value for cell in records[1]]
    records.delete_rows(2)  # the example row
    for upn, born in ((ALICE, "2013-05-01"), (BEN, "2013-02-30")):
        values = {"upn": upn, "week_commencing": MONDAY, "date_of_birth": born, "hours": 10}
        records.append(
            [
                values.get(str(name), "alternative_provision" if name == "provision_type" else None)
                for name in header
            ]
        )

    def sent() -> Response:
        out = io.BytesIO()
        book.save(out)
        return send(client, school_auth, out.getvalue(), XLSX)

    refused = assert_problem(sent(), 422, "/records/1/date_of_birth")
    assert cells(refused) == [(3, "date_of_birth")]
    assert_not_on_register(client, officer, ALICE, BEN)

    records.cell(row=3, column=header.index("date_of_birth") + 1, value="2013-02-28")
    accepted = sent()
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 2
    assert status_of(client, officer, ALICE)["total_hours"] == 10


def test_semicolons_excel_dates_and_several_reasons_are_read(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    both = "part_time_timetable; medical"
    semicolons = as_csv(row(ALICE, "12.5", both), delimiter=";")
    assert send(client, school_auth, semicolons).status_code == 200
    first = status_of(client, officer, ALICE)
    assert first["total_hours"] == 12.5

    excel = as_xlsx([BEN, MONDAY, "2013-05-01", 7.5, "alternative_provision", both])
    response = send(client, school_auth, excel, XLSX)
    assert response.status_code == 200, response.text
    assert status_of(client, officer, BEN)["total_hours"] == 7.5


@pytest.mark.parametrize(
    ("body", "media_type", "wanted"),
    [
        pytest.param(
            as_csv(row(ALICE), header=[h for h in HEADER if h != "hours"]),
            CSV,
            [(1, "hours", "required column missing")],
            id="missing-column",
        ),
        pytest.param(
            as_csv(row(ALICE), header=["upn", "week_comencing", *HEADER[2:]]),
            CSV,
            [
                (1, "week_comencing", "did you mean week_commencing?"),
                (1, "week_commencing", "required column missing"),
            ],
            id="misspelt-header",
        ),
        pytest.param(
            as_csv([*row(ALICE), "extra"], [*row(BEN)]),
            CSV,
            [(2, None, "more cells than the header")],
            id="too-many-cells",
        ),
        pytest.param(
            as_xlsx(row(ALICE), [BEN, MONDAY, "2013-05-01", "=6*2", "alternative_provision"]),
            XLSX,
            [(3, "hours", "a formula, not a value")],
            id="formula",
        ),
    ],
)
def test_a_bad_sheet_names_the_cell_and_stores_nothing(
    client: TestClient,
    school_auth: Headers,
    officer: Headers,
    body: bytes,
    media_type: str,
    wanted: list[tuple[int, str | None, str]],
) -> None:
    problem = assert_problem(send(client, school_auth, body, media_type), 422)
    found = [(e.get("row"), e.get("column"), e["detail"]) for e in problem["errors"]]
    assert [(r, c) for r, c, _ in found] == [(r, c) for r, c, _ in wanted]
    for (_, _, detail), (_, _, expected) in zip(found, wanted, strict=True):
        assert expected in detail
    assert_not_on_register(client, officer, ALICE, BEN)


def test_a_latin_1_file_is_refused_saying_save_as_utf_8(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    text = "\r\n".join([",".join([*HEADER, "family_name"]), ",".join([*row(ALICE), "Smith £"])])
    problem = assert_problem(send(client, school_auth, text.encode("latin-1")), 422)
    assert "UTF-8" in problem["detail"]
    assert_not_on_register(client, officer, ALICE)


def test_a_sheet_over_the_batch_limit_is_refused_whole(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    rows = [row(ALICE)] * 6000  # counted before any cell is read
    problem = assert_problem(send(client, school_auth, as_csv(*rows)), 400, "/records")
    assert "At most 5000 records per batch" in problem["detail"]
    assert_not_on_register(client, officer, ALICE)


@pytest.mark.parametrize("body", [b"", as_csv()], ids=["empty", "header-only"])
def test_an_empty_sheet_is_refused(client: TestClient, school_auth: Headers, body: bytes) -> None:
    assert_problem(send(client, school_auth, body), 422)


def test_a_file_that_is_not_a_workbook_is_refused(client: TestClient, school_auth: Headers) -> None:
    problem = assert_problem(send(client, school_auth, as_csv(row(ALICE)), XLSX), 422)
    assert "not an Excel workbook" in problem["detail"]


@pytest.mark.parametrize(
    "media_type", ["application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet"]
)
def test_an_old_excel_or_libreoffice_file_is_refused_as_unreadable(
    client: TestClient, school_auth: Headers, officer: Headers, media_type: str
) -> None:
    problem = assert_problem(send(client, school_auth, as_xlsx(row(ALICE)), media_type), 415)
    assert ".xlsx" in problem["detail"] and "CSV UTF-8" in problem["detail"]
    assert_not_on_register(client, officer, ALICE)


def test_a_json_batch_labelled_otherwise_is_still_json(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = json.dumps({"records": [record(ALICE)]}).encode()
    # curl -d labels its body application/x-www-form-urlencoded; JSON pushes always worked so.
    response = send(client, school_auth, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200, response.text
    assert status_of(client, officer, ALICE)["total_hours"] == 10


def test_templates_need_a_token_of_any_role(
    client: TestClient, login_as: Callable[..., Headers]
) -> None:
    assert client.get(f"{TEMPLATE}.csv").status_code == 401
    inspector = login_as("inspector")  # holds no records, but may see what a return looks like
    for suffix in ("csv", "xlsx"):
        assert client.get(f"{TEMPLATE}.{suffix}", headers=inspector).status_code == 200
