"""Compulsory school age (rule 8) through the HTTP API."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit
from tests.provision import RECORDS, Headers, register_items, status_of, submit_batch

FOUR_YEAR_OLD = make_upn(50)
YEAR_11 = make_upn(51)


def test_a_week_before_school_age_is_stored_with_a_warning_and_not_judged(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    born = date(2022, 1, 15)  # of compulsory school age from 1 April 2027
    sent = record(FOUR_YEAR_OLD, date_of_birth=born, hours=10)
    response = client.post(RECORDS, json=sent, headers=school_auth)
    assert response.status_code == 201, response.text
    [warning] = response.json()["warnings"]
    assert warning["pointer"] == "/date_of_birth"
    assert "2027-04-01" in warning["detail"] and "date of birth" in warning["detail"]

    status = status_of(client, officer, FOUR_YEAR_OLD)
    assert (status["on_register"], status["total_hours"]) == (False, None)
    assert status["compulsory_school_age_ends"] == "2038-06-25"
    assert register_items(client, officer) == []

    older = record(make_upn(52), hours=10)
    batch = submit_batch(client, school_auth, [older, sent])
    assert batch.status_code == 200, batch.text
    assert [w["pointer"] for w in batch.json()["warnings"]] == ["/records/1/date_of_birth"]


def test_a_year_11_leaves_the_register_after_the_last_friday_of_june(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    born = date(2009, 11, 20)  # turns 16 in 2025/26: school age ends Friday 26 June 2026
    june = [date(2026, 6, 15), date(2026, 6, 22)]
    submit(
        client,
        officer,
        *(
            record(YEAR_11, date_of_birth=born, week_commencing=week, provider_id=school["id"])
            for week in june
        ),
    )
    last = status_of(client, officer, YEAR_11, date(2026, 6, 26))
    assert (last["on_register"], last["weeks_below"]) == (True, 2)
    left = status_of(client, officer, YEAR_11, date(2026, 6, 29))
    assert (left["on_register"], left["exit_reason"], left["left_register_on"]) == (
        False,
        "ceased_compulsory_school_age",
        "2026-06-26",
    )
    assert left["compulsory_school_age_ends"] == "2026-06-26"

    # A record after school age is kept, with a warning, and does not bring the child back.
    july = record(
        YEAR_11, date_of_birth=born, week_commencing=date(2026, 7, 6), provider_id=school["id"]
    )
    response = submit_batch(client, officer, [july])
    assert response.json()["warnings"][0]["pointer"] == "/records/0/date_of_birth"
    assert not status_of(client, officer, YEAR_11, date(2026, 7, 6))["on_register"]
