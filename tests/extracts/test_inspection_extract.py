"""The inspection extract: who is listed, which columns, and that it agrees with the register."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]
CONTRACT_COLUMNS = [
    "child_id",
    "upn",
    "date_of_birth",
    "provision_types",
    "hours_per_week",
    "below_25",
    "exclusion_type",
    "provision_start_date",
    "weeks_below",
    "below_since",
    # v1.2
    "threshold_hours",
    "hours_received",
    "reasons",
    "last_reported_week",
    "timetable_end_date",
    "provision_start_date_source",
]
PART_TIME, AP_FULL_TIME, SCHOOL_FULL_TIME = make_upn(1), make_upn(2), make_upn(3)


@pytest.fixture
def mixed_register(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    pru = make_provider("Northside PRU", "pru")
    submit(
        client,
        officer,
        *(
            record(
                PART_TIME,
                week_commencing=week(n),
                hours=6,
                provider_id=pru["id"],
                provision_type="pru",
                exclusion_type="permanent",
                exclusion_start_date=week(0).isoformat(),
                provision_start_date=week(0).isoformat(),
                given_name="Alex",
                family_name="Smith",
            )
            for n in range(3)
        ),
        record(
            PART_TIME,
            week_commencing=week(2),
            hours=4,
            provider_id=school["id"],
            provision_type="mainstream_school",
        ),
        record(
            AP_FULL_TIME,
            week_commencing=week(2),
            hours=25,
            provider_id=pru["id"],
            provision_type="pru",
        ),
        record(
            SCHOOL_FULL_TIME,
            week_commencing=week(2),
            hours=30,
            provider_id=school["id"],
            provision_type="mainstream_school",
        ),
    )


def extract(client: TestClient, headers: Headers, accept: str = "application/json") -> Any:
    response = client.get(
        "/api/v1/extracts/inspection",
        params={"as_at": week(2).isoformat()},
        headers=headers | {"Accept": accept},
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.usefixtures("mixed_register")
def test_lists_children_below_25_or_in_alternative_provision_without_names(
    client: TestClient, login_as: Callable[..., Headers]
) -> None:
    body = extract(client, login_as("inspector")).json()
    assert body["la_code"] == "801" and body["children"] == 2
    rows = {row["upn"]: row for row in body["items"]}
    assert set(rows) == {PART_TIME, AP_FULL_TIME}
    part_time = rows[PART_TIME]
    assert list(part_time) == CONTRACT_COLUMNS
    assert part_time["provision_types"] == ["mainstream_school", "pru"]
    assert (part_time["hours_per_week"], part_time["below_25"], part_time["weeks_below"]) == (
        10,
        True,
        3,
    )
    assert (part_time["exclusion_type"], part_time["provision_start_date"]) == (
        "permanent",
        week(0).isoformat(),
    )
    assert rows[AP_FULL_TIME]["below_25"] is False
    assert "Smith" not in str(body) and "Alex" not in str(body)


@pytest.mark.usefixtures("mixed_register")
def test_csv_has_a_header_row_stable_columns_and_a_named_download(
    client: TestClient, officer: Headers
) -> None:
    response = extract(client, officer, accept="text/csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="inspection-extract-801-' + week(2).isoformat() + '.csv"'
        in response.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == CONTRACT_COLUMNS
    assert rows[1][1:] == [
        PART_TIME,
        "2013-05-01",
        "mainstream_school;pru",
        "10.0",
        "true",
        "permanent",
        week(0).isoformat(),
        "3",
        week(0).isoformat(),
        "25.0",
        "10.0",
        "",
        week(2).isoformat(),
        "",
        "reported",
    ]
    assert len(rows) == 3


@pytest.mark.usefixtures("mixed_register")
def test_the_extract_agrees_with_the_register(client: TestClient, officer: Headers) -> None:
    rows = extract(client, officer).json()["items"]
    register = client.get(
        "/api/v1/register", params={"as_at": week(2).isoformat()}, headers=officer
    ).json()
    listed = [c for c in register["items"] if c["upn"] in {r["upn"] for r in rows}]
    assert [
        (r["upn"], r["hours_per_week"], r["below_25"], r["weeks_below"], r["below_since"])
        for r in rows
    ] == [
        (c["upn"], c["total_hours"], c["below_threshold"], c["weeks_below"], c["below_since"])
        for c in listed
    ]


@pytest.mark.usefixtures("mixed_register")
def test_the_csv_operation_answers_what_accept_text_csv_does(
    client: TestClient, officer: Headers
) -> None:
    """Typed clients call `GET /extracts/inspection.csv` (CSV only) rather than the header."""
    own = client.get(
        "/api/v1/extracts/inspection.csv", params={"as_at": week(2).isoformat()}, headers=officer
    )
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/csv")
    assert own.text == extract(client, officer, accept="text/csv").text
    assert own.headers["content-disposition"].endswith('.csv"')


@pytest.mark.usefixtures("mixed_register")
def test_the_extract_is_for_inspectors_and_officers_only(
    client: TestClient, school_auth: Headers
) -> None:
    for path in ("/api/v1/extracts/inspection", "/api/v1/extracts/inspection.csv"):
        assert client.get(path, headers=school_auth).status_code == 403


def test_an_empty_register_gives_an_empty_but_valid_extract(
    client: TestClient, officer: Headers
) -> None:
    assert extract(client, officer).json()["items"] == []
    assert extract(client, officer, accept="text/csv").text.strip() == ",".join(CONTRACT_COLUMNS)


def test_the_inspection_list_shows_its_working_and_stale_figures(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    sent = record(
        PART_TIME,
        week_commencing=week(0),
        hours=12,
        provider_id=school["id"],
        reasons=["part_time_timetable", "medical"],
        timetable_end_date="2026-10-23",
        hours_attended=8,
    )
    submit(client, officer, sent)
    response = client.get(
        "/api/v1/extracts/inspection", params={"as_at": week(3).isoformat()}, headers=officer
    )
    [row] = response.json()["items"]
    assert (row["threshold_hours"], row["hours_per_week"], row["hours_received"]) == (25, 12, 8)
    assert row["reasons"] == ["medical", "part_time_timetable"]
    # Nothing reported since week 0: the figures are that week's, and say so.
    assert row["last_reported_week"] == week(0).isoformat()
    assert row["timetable_end_date"] == "2026-10-23"
    # No provider sent a start date: the first week on the register stands in.
    assert (row["provision_start_date"], row["provision_start_date_source"]) == (
        week(0).isoformat(),
        "first_record",
    )
