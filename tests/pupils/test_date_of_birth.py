"""Correcting a child's date of birth: re-judged at once, in the history and the change feed."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.alerts.test_alerts import alerts
from tests.builders import make_upn, record, submit, week
from tests.changes.test_feed import follow
from tests.provision import RECORDS, Headers, assert_problem, status_of

CHILD = make_upn(97)
TYPED = date(2013, 5, 1)
TRUE = date(2013, 6, 1)


def correct(client: TestClient, auth: Headers, born: Any, upn: str = CHILD) -> Any:
    return client.patch(f"/api/v1/pupils/{upn}", json={"date_of_birth": born}, headers=auth)


def test_a_corrected_date_of_birth_ends_the_conflict_and_is_kept(
    client: TestClient, officer: Headers, school_auth: Headers, college_auth: Headers
) -> None:
    submit(client, school_auth, record(CHILD, date_of_birth=TYPED))
    refused = client.post(RECORDS, json=record(CHILD, date_of_birth=TRUE), headers=college_auth)
    assert_problem(refused, 409)
    assert len(alerts(client, officer, week(0), "date_of_birth_conflict")) == 1
    _, after = follow(client, officer, None)

    response = correct(client, officer, TRUE.isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["date_of_birth"], body["warnings"]) == (TRUE.isoformat(), [])
    assert alerts(client, officer, week(0), "date_of_birth_conflict") == []
    accepted = client.post(RECORDS, json=record(CHILD, date_of_birth=TRUE), headers=college_auth)
    assert accepted.status_code == 201, accepted.text

    history = client.get(f"/api/v1/pupils/{CHILD}/history", headers=officer).json()["items"]
    [corrected] = [item for item in history if item["action"] == "date_of_birth_corrected"]
    assert (corrected["old_date_of_birth"], corrected["new_date_of_birth"]) == (
        TYPED.isoformat(),
        TRUE.isoformat(),
    )
    changes, _ = follow(client, officer, after)
    assert (changes[0]["action"], changes[0]["upn"]) == ("date_of_birth_corrected", CHILD)


def test_a_date_that_takes_the_records_out_of_school_age_is_accepted_with_a_warning(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    submit(client, school_auth, record(CHILD, week_commencing=week(0), hours=10))
    assert status_of(client, officer, CHILD, week(0))["on_register"]

    response = correct(client, officer, "2022-01-15")  # of school age from April 2027
    assert response.status_code == 200, response.text
    [warning] = response.json()["warnings"]
    assert warning["pointer"] == "/date_of_birth" and "2027-04-01" in warning["detail"]
    assert not status_of(client, officer, CHILD, week(0))["on_register"]


def test_who_may_correct_and_what_is_refused(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    submit(client, school_auth, record(CHILD, date_of_birth=TYPED))
    assert_problem(correct(client, school_auth, TRUE.isoformat()), 403)
    assert_problem(correct(client, officer, "not a date"), 422, "/date_of_birth")
    assert_problem(correct(client, officer, TYPED.isoformat()), 422, "/date_of_birth")
    assert_problem(correct(client, officer, TRUE.isoformat(), upn=make_upn(98)), 404)
    assert status_of(client, officer, CHILD)["date_of_birth"] == TYPED.isoformat()
