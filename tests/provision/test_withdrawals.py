"""Withdrawing a record sent in error (rule 9) through the HTTP API."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week
from tests.provision import (
    RECORDS,
    Headers,
    Response,
    assert_problem,
    read_status,
    register_items,
    status_of,
)

CHILD = make_upn(70)


def withdraw(
    client: TestClient, auth: Headers, n: int, upn: str = CHILD, **params: Any
) -> Response:
    query = {"upn": upn, "week_commencing": week(n).isoformat(), **params}
    return client.delete(RECORDS, params=query, headers=auth)


def hours_from(provider: dict[str, Any], n: int, hours: float) -> dict[str, Any]:
    return record(CHILD, week_commencing=week(n), hours=hours, provider_id=provider["id"])


@pytest.fixture
def college(make_provider: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_provider("Riverside College", "college")


def test_a_withdrawn_record_is_as_if_never_sent(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    submit(client, school_auth, *(hours_from(school, n, 10) for n in range(4)))
    submit(client, school_auth, hours_from(school, 4, 30))
    before = status_of(client, officer, CHILD, week(4))
    assert (before["below_threshold"], before["weeks_below"]) == (False, 0)

    response = withdraw(client, school_auth, 4)
    assert response.status_code == 204, response.text
    after = status_of(client, officer, CHILD, week(4))
    assert (after["below_threshold"], after["weeks_below"]) == (True, 5)
    assert after["last_reported_week"] == week(3).isoformat()
    assert after["data_quality"]["unreported_weeks"] == 1
    # Sent again, it is judged again exactly as before.
    submit(client, school_auth, hours_from(school, 4, 30))
    assert status_of(client, officer, CHILD, week(4)) == before


def test_a_child_with_no_records_left_is_off_the_register(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    submit(client, school_auth, hours_from(school, 0, 10))
    assert withdraw(client, school_auth, 0).status_code == 204
    status = status_of(client, officer, CHILD, week(0))
    assert (status["on_register"], status["total_hours"], status["exit_reason"]) == (
        False,
        None,
        None,
    )
    assert register_items(client, officer, week(0)) == []
    # The provider no longer sees a child it has no records for.
    assert read_status(client, school_auth, CHILD, week(0)).status_code == 404


def test_a_provider_withdraws_only_its_own_records(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    login_as: Callable[..., dict[str, str]],
) -> None:
    college_auth = login_as("provider", college["id"])
    submit(client, school_auth, hours_from(school, 0, 10))
    submit(client, college_auth, hours_from(college, 0, 6))
    assert_problem(withdraw(client, college_auth, 0, provider_id=school["id"]), 403)
    assert withdraw(client, college_auth, 0).status_code == 204
    assert_problem(withdraw(client, college_auth, 0), 404)
    assert status_of(client, officer, CHILD, week(0))["total_hours"] == 10


def test_an_officer_names_the_provider(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    submit(client, officer, hours_from(school, 0, 10), hours_from(college, 0, 6))
    assert_problem(withdraw(client, officer, 0), 422)
    assert withdraw(client, officer, 0, provider_id=college["id"]).status_code == 204
    assert status_of(client, officer, CHILD, week(0))["total_hours"] == 10


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"upn": "A801200015001"}, "upn"),
        ({"week_commencing": "2026-09-08"}, "week_commencing"),
        ({"week_commencing": "soon"}, "week_commencing"),
        ({"provider_id": "0"}, "provider_id"),
    ],
)
def test_a_bad_withdrawal_names_the_parameter_and_changes_nothing(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    params: dict[str, str],
    parameter: str,
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    query = {
        "upn": CHILD,
        "week_commencing": week(0).isoformat(),
        "provider_id": str(school["id"]),
    } | params
    body = assert_problem(client.delete(RECORDS, params=query, headers=officer), 422)
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert status_of(client, officer, CHILD, week(0))["total_hours"] == 10


def test_withdrawing_what_was_never_sent_is_not_found(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    assert_problem(withdraw(client, officer, 1, provider_id=school["id"]), 404)
    assert_problem(withdraw(client, officer, 0, upn=make_upn(71), provider_id=school["id"]), 404)


def test_only_writers_withdraw(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    login_as: Callable[..., dict[str, str]],
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    inspector = login_as("inspector")
    assert_problem(withdraw(client, inspector, 0, provider_id=school["id"]), 403)
    assert_problem(client.delete(RECORDS, params={"upn": CHILD}), 401)
    assert status_of(client, officer, CHILD, date(2026, 9, 7))["total_hours"] == 10
