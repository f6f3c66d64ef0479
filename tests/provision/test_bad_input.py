"""Bad submissions: a 4xx problem naming the field, and nothing stored. Never a 500.

The TestClient re-raises server exceptions, so an input that crashed the service would
error these tests rather than pass them.
"""

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import MONDAY, make_temporary_upn, make_upn, record
from tests.provision import (
    BATCH,
    RECORDS,
    Headers,
    Response,
    assert_not_on_register,
    assert_problem,
    error_pointers,
    read_status,
    register_items,
    submit,
    submit_batch,
)

CHILD = make_upn(21)
JSON_HEADERS = {"Content-Type": "application/json"}


def post_raw(client: TestClient, auth: Headers, url: str, content: Any) -> Response:
    """POST bytes exactly as given, labelled as JSON."""
    return client.post(url, content=content, headers={**auth, **JSON_HEADERS})


def assert_refused(
    client: TestClient,
    response: Response,
    officer: Headers,
    pointer: str,
    *,
    status: int = 422,
) -> dict[str, Any]:
    """The one field is named, and the register is still empty."""
    body = assert_problem(response, status, pointer)
    assert error_pointers(body) == [pointer]
    assert register_items(client, officer) == []
    return body


def refuse_single(
    client: TestClient, school_auth: Headers, officer: Headers, body: dict[str, Any], pointer: str
) -> dict[str, Any]:
    return assert_refused(client, submit(client, school_auth, body), officer, pointer)


def with_check_letter_changed(upn: str) -> str:
    wrong = "A" if upn[0] != "A" else "B"
    return wrong + upn[1:]


# --- the body as a whole ---------------------------------------------------------------------


def test_malformed_json_is_422_and_says_so(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    truncated = json.dumps(record(CHILD))[:-10]
    body = assert_problem(post_raw(client, school_auth, RECORDS, truncated), 422)
    assert body["errors"]
    assert "JSON" in body["errors"][0]["detail"]
    assert register_items(client, officer) == []


def test_a_body_of_10_mb_is_413(client: TestClient, school_auth: Headers, officer: Headers) -> None:
    padded = json.dumps(record(CHILD)).encode() + b" " * (10 * 1024 * 1024)
    assert_problem(post_raw(client, school_auth, RECORDS, padded), 413)
    assert_not_on_register(client, officer, CHILD)


def test_a_body_of_10_mb_without_a_content_length_is_413(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    def chunks() -> Iterator[bytes]:
        yield json.dumps({"records": [record(CHILD)]})[:-2].encode()
        for _ in range(10):
            yield b" " * (1024 * 1024)
        yield b"]}"

    assert_problem(post_raw(client, school_auth, BATCH, chunks()), 413)
    assert_not_on_register(client, officer, CHILD)


def test_an_unknown_extra_field_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    refuse_single(
        client, school_auth, officer, record(CHILD, favourite_lesson="art"), "/favourite_lesson"
    )


@pytest.mark.parametrize(
    "field", ["upn", "date_of_birth", "week_commencing", "hours", "provision_type"]
)
def test_each_required_field_is_required(
    client: TestClient, school_auth: Headers, officer: Headers, field: str
) -> None:
    body = record(CHILD)
    del body[field]
    refuse_single(client, school_auth, officer, body, f"/{field}")


# --- the UPN ---------------------------------------------------------------------------------


def test_a_wrong_check_letter_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = refuse_single(
        client, school_auth, officer, record(with_check_letter_changed(CHILD)), "/upn"
    )
    assert "check letter" in body["errors"][0]["detail"]


@pytest.mark.parametrize("letter", ["I", "O", "S"])
def test_a_temporary_upn_ending_in_i_o_or_s_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers, letter: str
) -> None:
    upn = make_temporary_upn(3)[:-1] + letter
    refuse_single(client, school_auth, officer, record(upn), "/upn")


@pytest.mark.parametrize("letter", ["I", "O", "S"])
def test_a_letter_i_o_or_s_typed_for_a_digit_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers, letter: str
) -> None:
    upn = CHILD[:5] + letter + CHILD[6:]  # e.g. O for the 0 of the establishment number
    refuse_single(client, school_auth, officer, record(upn), "/upn")


def test_a_12_character_upn_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = refuse_single(client, school_auth, officer, record(CHILD[:12]), "/upn")
    assert "13" in body["errors"][0]["detail"]


def test_an_unknown_la_number_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = refuse_single(client, school_auth, officer, record(make_upn(1, la=999)), "/upn")
    assert "999" in body["errors"][0]["detail"]


# --- the week, the hours and the codes -------------------------------------------------------


def test_a_tuesday_week_commencing_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    tuesday = MONDAY + timedelta(days=1)
    body = refuse_single(
        client, school_auth, officer, record(CHILD, week_commencing=tuesday), "/week_commencing"
    )
    assert "Monday" in body["errors"][0]["detail"]


@pytest.mark.parametrize("hours", [-1, 61])
def test_hours_outside_0_to_60_are_refused(
    client: TestClient, school_auth: Headers, officer: Headers, hours: float
) -> None:
    refuse_single(client, school_auth, officer, record(CHILD, hours=hours), "/hours")


@pytest.mark.parametrize("hours", [0, 60])
def test_hours_of_0_and_60_are_accepted(
    client: TestClient, school_auth: Headers, officer: Headers, hours: float
) -> None:
    assert submit(client, school_auth, record(CHILD, hours=hours)).status_code == 201
    assert [item["upn"] for item in register_items(client, officer)] == [CHILD]


def test_hours_with_three_decimal_places_are_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    refuse_single(client, school_auth, officer, record(CHILD, hours=12.125), "/hours")


def test_hours_attended_above_hours_provided_are_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = record(CHILD, hours=10, hours_attended=10.5)
    refuse_single(client, school_auth, officer, body, "/hours_attended")


def test_an_unknown_provision_type_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = record(CHILD, provision_type="boarding_school")
    refuse_single(client, school_auth, officer, body, "/provision_type")


@pytest.mark.parametrize(
    ("reasons", "pointer"),
    [(["truancy"], "/reasons/0"), (["medical", "truancy"], "/reasons/1")],
)
def test_an_unknown_reason_code_is_refused_where_it_stands(
    client: TestClient, school_auth: Headers, officer: Headers, reasons: list[str], pointer: str
) -> None:
    refuse_single(client, school_auth, officer, record(CHILD, reasons=reasons), pointer)


def test_an_unknown_exclusion_type_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = record(CHILD, exclusion_type="expelled")
    refuse_single(client, school_auth, officer, body, "/exclusion_type")


def test_a_date_of_birth_after_the_week_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    body = record(CHILD, date_of_birth=MONDAY + timedelta(days=1))
    refuse_single(client, school_auth, officer, body, "/date_of_birth")


def test_an_officer_naming_a_provider_id_too_big_for_the_database_is_refused(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    body = record(CHILD, provider_id=10**20)
    assert_refused(client, submit(client, officer, body), officer, "/provider_id")


def test_a_week_at_the_end_of_the_calendar_is_refused_or_readable(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    last_monday = date(9999, 12, 27)
    body = record(CHILD, week_commencing=last_monday, date_of_birth=date(9990, 1, 1))
    response = submit(client, school_auth, body)
    if response.status_code == 201:
        assert read_status(client, officer, CHILD, last_monday).status_code == 200
    else:
        assert_refused(client, response, officer, "/week_commencing")


# --- batches ---------------------------------------------------------------------------------


def test_one_bad_record_in_1000_is_named_and_none_of_the_others_is_stored(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    records = [record(make_upn(n)) for n in range(1000)]
    records[517]["hours"] = 61
    response = submit_batch(client, school_auth, records)
    body = assert_problem(response, 422, "/records/517/hours")
    assert all(pointer.startswith("/records/517/") for pointer in error_pointers(body))
    assert register_items(client, officer) == []
    assert_not_on_register(client, officer, make_upn(0), make_upn(516), make_upn(999))


def test_each_bad_field_in_a_batch_gets_its_own_error(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    records = [record(make_upn(n)) for n in range(4)]
    records[1]["hours"] = -1
    records[3]["week_commencing"] = (MONDAY + timedelta(days=2)).isoformat()
    records[3]["provision_type"] = "boarding_school"
    body = assert_problem(submit_batch(client, school_auth, records), 422)
    assert sorted(error_pointers(body)) == [
        "/records/1/hours",
        "/records/3/provision_type",
        "/records/3/week_commencing",
    ]
    assert register_items(client, officer) == []


def test_an_empty_batch_is_refused(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert_refused(client, submit_batch(client, school_auth, []), officer, "/records")


# --- nothing odd ever reaches a 500 ----------------------------------------------------------

ODD_BODIES = {
    "null": b"null",
    "a list": b"[]",
    "a string": b'"records"',
    "an empty object": b"{}",
    "hours NaN": json.dumps(record(CHILD, hours=float("nan"))).encode(),
    "hours Infinity": json.dumps(record(CHILD, hours=float("inf"))).encode(),
    "hours 1e400": json.dumps(record(CHILD)).replace('"hours": 10', '"hours": 1e400').encode(),
    "hours true": json.dumps(record(CHILD, hours=True)).encode(),
    "hours as words": json.dumps(record(CHILD) | {"hours": "ten"}).encode(),
    "upn a number": json.dumps(record(CHILD) | {"upn": 801200015011}).encode(),
    "upn empty": json.dumps(record(CHILD) | {"upn": ""}).encode(),
    "upn with a NUL": json.dumps(record(CHILD + "\x00")).encode(),
    "30 February": json.dumps(record(CHILD) | {"date_of_birth": "2013-02-30"}).encode(),
    "reasons a string": json.dumps(record(CHILD, reasons="medical")).encode(),
    "reasons repeated": json.dumps(record(CHILD, reasons=["medical", "medical"])).encode(),
    "provider_id negative": json.dumps(record(CHILD, provider_id=-1)).encode(),
    "not UTF-8": json.dumps(record(CHILD, given_name="Zoë"), ensure_ascii=False).encode("latin-1"),
}


@pytest.mark.parametrize("content", ODD_BODIES.values(), ids=ODD_BODIES.keys())
@pytest.mark.parametrize("url", [RECORDS, BATCH])
def test_odd_bodies_get_a_4xx_problem(
    client: TestClient, school_auth: Headers, officer: Headers, url: str, content: bytes
) -> None:
    if url == BATCH and content.startswith(b'{"upn"'):
        content = b'{"records": [' + content + b"]}"
    response = post_raw(client, school_auth, url, content)
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code)
    assert register_items(client, officer) == []
