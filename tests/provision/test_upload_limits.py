"""Uploads are bounded before they are parsed: a small hostile spreadsheet is refused in well
under a second, never with a 500, and never holds up another provider's batch."""

import io
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.limits import BatchTurns
from tests.builders import make_upn, record
from tests.provision import BATCH, Headers, Response, assert_problem, submit_batch
from tests.provision.test_spreadsheets import CSV, HEADER, XLSX, as_csv, as_xlsx, row, send

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(workbook: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one of its parts changed (or left out, when the change gives b"")."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == member:
                data = change(data)
                if not data:
                    continue
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def declaring(dimension: str, workbook: bytes) -> bytes:
    """The workbook with its first sheet claiming another size."""

    def claim(xml: bytes) -> bytes:
        start = xml.index(b"<dimension ref=")
        end = xml.index(b"/>", start) + 2
        return xml[:start] + f'<dimension ref="{dimension}"/>'.encode() + xml[end:]

    return rewritten(workbook, SHEET, claim)


def timed(call: Callable[[], Response]) -> tuple[Response, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_a_workbook_declaring_every_column_is_refused_in_under_a_second(
    client: TestClient,
    school_auth: Headers,
    college_auth: Headers,
) -> None:
    # 6 KB that openpyxl would fill to 50 rows of 16,384 cells each (43.7 s on 3da8359).
    hostile = declaring("A1:XFD50", as_xlsx())
    assert len(hostile) < 8000
    refused, seconds = timed(lambda: send(client, school_auth, hostile, XLSX))
    assert_problem(refused, 422, "/records")
    assert seconds < 1
    other, seconds = timed(lambda: submit_batch(client, college_auth, [record(make_upn(7))]))
    assert other.status_code == 200, other.text
    assert seconds < 1


def test_a_declared_million_rows_costs_only_the_rows_that_are_there(
    client: TestClient, school_auth: Headers
) -> None:
    workbook = declaring("A1:XFD1048576", as_xlsx(row(make_upn(41))))
    accepted, seconds = timed(lambda: send(client, school_auth, workbook, XLSX))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 1
    assert seconds < 1


def test_a_csv_row_of_80000_trailing_commas_is_read_in_linear_time(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(row(make_upn(41)))[:-2] + b"," * 80_000 + b"\r\n"
    accepted, seconds = timed(lambda: send(client, school_auth, body))
    assert accepted.status_code == 200, accepted.text
    assert seconds < 1  # 18 s on 3da8359


def test_reading_stops_at_the_first_record_past_the_limit(
    client: TestClient, school_auth: Headers
) -> None:
    most = client.app.state.settings.max_batch_records  # type: ignore[attr-defined]
    rows = [row(make_upn(41))] * (most + 1)
    for body, media_type in ((as_csv(*rows), CSV), (as_xlsx(*rows), XLSX)):
        refused = send(client, school_auth, body, media_type)
        assert_problem(refused, 400, "/records")
        assert f"At most {most} records" in refused.json()["detail"]


def test_a_value_far_past_the_last_column_is_refused_naming_its_row(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(row(make_upn(41)) + [""] * 20_000 + ["note"])
    problem = assert_problem(send(client, school_auth, body), 422)
    assert problem["errors"][0]["row"] == 2
    far = as_xlsx(HEADER, row(make_upn(41)))
    far = rewritten(far, SHEET, lambda xml: xml.replace(b"</row></sheetData>", _far_cell()))
    problem = assert_problem(send(client, school_auth, far, XLSX), 422)
    assert "past the last column" in problem["detail"]


def _far_cell() -> bytes:
    return b'<c r="XFD3" t="inlineStr"><is><t>note</t></is></c></row></sheetData>'


def test_a_header_of_thousands_of_columns_is_refused_without_comparing_each(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(row(make_upn(41)), header=HEADER + [f"x{n}" for n in range(50_000)])
    refused, seconds = timed(lambda: send(client, school_auth, body))
    assert_problem(refused, 422)
    assert seconds < 1


def test_a_csv_field_over_the_csv_limit_is_a_422_naming_its_row(
    client: TestClient, school_auth: Headers
) -> None:
    body = as_csv(row(make_upn(41)), row(make_upn(42), reasons="x" * 140_000))
    problem = assert_problem(send(client, school_auth, body), 422)
    assert problem["errors"][0]["row"] == 3


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    ("member", "change"),
    [
        pytest.param(SHEET, lambda xml: xml[: len(xml) // 2], id="truncated-sheet-xml"),
        pytest.param(SHEET, lambda _xml: BILLION_LAUGHS, id="entity-expansion"),
        pytest.param("xl/workbook.xml", lambda xml: xml[:-40], id="broken-workbook-xml"),
        pytest.param(SHEET, lambda _xml: b"", id="sheet-missing"),
        pytest.param("xl/sharedStrings.xml", lambda _xml: b"<sst", id="broken-shared-strings"),
        pytest.param("xl/workbook.xml", lambda xml: _no_sheets(xml), id="no-sheets"),
    ],
)
def test_a_damaged_workbook_is_a_422_never_a_500(
    client: TestClient, school_auth: Headers, member: str, change: Callable[[bytes], bytes]
) -> None:
    damaged = rewritten(as_xlsx(row(make_upn(41)), row("x")), member, change)
    assert_problem(send(client, school_auth, damaged, XLSX), 422)


def _no_sheets(xml: bytes) -> bytes:
    start, end = xml.index(b"<sheets>"), xml.index(b"</sheets>") + len(b"</sheets>")
    return xml[:start] + b"<sheets/>" + xml[end:]


def test_a_workbook_that_unzips_past_the_limit_is_a_413(
    client: TestClient, school_auth: Headers
) -> None:
    bomb = rewritten(as_xlsx(row(make_upn(41))), "docProps/app.xml", lambda _: b" " * 40 * 2**20)
    assert len(bomb) < 100_000
    refused, seconds = timed(lambda: send(client, school_auth, bomb, XLSX))
    assert_problem(refused, 413)
    assert seconds < 2


def test_an_upload_is_parsed_before_it_waits_for_its_turn(
    client: TestClient, school_auth: Headers
) -> None:
    app: Any = client.app
    app.state.batch_turns = BatchTurns(1, wait_seconds=0.5)
    client.portal.call(app.state.batch_turns.turns.acquire)  # type: ignore[union-attr]
    try:  # another provider's batch is being stored
        bad, seconds = timed(lambda: send(client, school_auth, declaring("A1:XFD9", as_xlsx())))
        assert_problem(bad, 422)
        assert seconds < 0.5  # refused without waiting for the turn
        waiting = client.post(BATCH, json={"records": [record()]}, headers=school_auth)
        assert_problem(waiting, 503)
    finally:
        app.state.batch_turns.turns.release()
    assert submit_batch(client, school_auth, [record()]).status_code == 200
