"""Provision ends (rule 6) and leaving the register (rule 7) through the HTTP API."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week
from tests.provision import (
    Headers,
    Response,
    assert_problem,
    register_items,
    status_of,
    submit_batch,
)

CHILD = make_upn(90)
BORN = date(2013, 3, 14)  # Year 9 in 2026/27
ENDS = "/api/v1/provision-ends"
FRIDAY = timedelta(days=4)


def weekly(provider: dict[str, Any], weeks: range, hours: float, **extra: Any) -> list[Any]:
    return [
        record(
            CHILD,
            week_commencing=week(n),
            hours=hours,
            date_of_birth=BORN,
            provider_id=provider["id"],
            **extra,
        )
        for n in weeks
    ]


def end(
    client: TestClient,
    auth: Headers,
    end_date: date,
    reason: str = "returned_full_time",
    **extra: Any,
) -> Response:
    body = {
        "upn": CHILD,
        "date_of_birth": BORN.isoformat(),
        "end_date": end_date.isoformat(),
        "end_reason": reason,
        **extra,
    }
    return client.post(ENDS, json=body, headers=auth)


def test_the_year_9_timetable_ends_and_the_child_leaves_everything(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    login_as: Callable[..., dict[str, str]],
) -> None:
    """Twelve hours for five weeks, then back to full time: the school ends the provision."""
    submit(client, school_auth, *weekly(school, range(5), 12))
    carried = [status_of(client, officer, CHILD, week(n))["weeks_below"] for n in (5, 10, 25, 60)]
    assert carried == [6, 11, 26, 61]

    response = end(client, school_auth, week(4) + FRIDAY)
    assert response.status_code == 201, response.text
    assert response.json()["ended"] == [
        {
            "provider_id": school["id"],
            "end_date": (week(4) + FRIDAY).isoformat(),
            "end_reason": "returned_full_time",
            "replaced": False,
        }
    ]
    last_week = status_of(client, officer, CHILD, week(4))
    assert (last_week["on_register"], last_week["weeks_below"]) == (True, 5)
    assert last_week["left_register_on"] is None and last_week["exit_reason"] is None
    for n in (5, 10, 25, 60):
        status = status_of(client, officer, CHILD, week(n))
        assert (status["on_register"], status["below_threshold"], status["weeks_below"]) == (
            False,
            False,
            0,
        )
        assert status["left_register_on"] == (week(4) + FRIDAY).isoformat()
        assert status["exit_reason"] == "returned_full_time"
        assert status["last_reported_week"] == week(4).isoformat()
        assert status["providers"] == []

    # Off the register: in no list, count, extract or alert.
    assert [item["upn"] for item in register_items(client, officer, week(4))] == [CHILD]
    assert register_items(client, officer, week(5)) == []
    summary = client.get(
        "/api/v1/summary", params={"as_at": week(5).isoformat()}, headers=officer
    ).json()
    assert summary["children_on_register"] == 0
    trend = client.get(
        "/api/v1/summary/trend",
        params={"from": week(3).isoformat(), "to": week(6).isoformat()},
        headers=officer,
    ).json()
    assert [p["children_on_register"] for p in trend["points"]] == [1, 1, 0, 0]
    extract = client.get(
        "/api/v1/extracts/inspection", params={"as_at": week(10).isoformat()}, headers=officer
    ).json()
    assert extract["items"] == [] and extract["children"] == 0
    alerts = client.get(
        "/api/v1/alerts", params={"as_at": week(25).isoformat()}, headers=officer
    ).json()
    assert alerts["items"] == []


def test_ending_again_replaces_the_end_of_the_same_arrangement(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    submit(client, school_auth, *weekly(school, range(3), 12))
    assert end(client, school_auth, week(2), "whereabouts_unknown").status_code == 201
    again = end(client, school_auth, week(2) + FRIDAY, "moved_out_of_area")
    assert again.status_code == 200, again.text
    assert again.json()["ended"][0]["replaced"] is True
    status = status_of(client, officer, CHILD, week(4))
    assert (status["exit_reason"], status["left_register_on"]) == (
        "moved_out_of_area",
        (week(2) + FRIDAY).isoformat(),
    )
    # Sending the same end again is harmless.
    assert end(client, school_auth, week(2) + FRIDAY, "moved_out_of_area").status_code == 200


def test_a_later_record_reopens_provision_and_its_end_is_a_new_one(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    submit(client, school_auth, *weekly(school, range(3), 12))
    assert end(client, school_auth, week(2)).status_code == 201
    assert not status_of(client, officer, CHILD, week(5))["on_register"]
    submit(client, school_auth, *weekly(school, range(8, 10), 10))
    back = status_of(client, officer, CHILD, week(9))
    assert back["on_register"] and (back["weeks_below"], back["below_since"]) == (
        2,
        week(8).isoformat(),
    )
    # The weeks between are still off the register: history is not rewritten.
    assert not status_of(client, officer, CHILD, week(5))["on_register"]
    assert end(client, school_auth, week(9)).status_code == 201


def test_a_weekly_record_can_say_it_was_the_last_week(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    records = weekly(school, range(4), 12)
    records[-1] |= {
        "provision_end_date": (week(3) + FRIDAY).isoformat(),
        "end_reason": "returned_full_time",
    }
    response = submit_batch(client, school_auth, records)
    assert response.status_code == 200, response.text
    assert response.json()["ended"] == 1
    assert status_of(client, officer, CHILD, week(3))["on_register"]
    assert status_of(client, officer, CHILD, week(4))["exit_reason"] == "returned_full_time"

    single = weekly(school, range(3, 4), 12)[0] | {
        "provision_end_date": (week(3) + FRIDAY).isoformat(),
        "end_reason": "moved_out_of_area",
    }
    response = client.post("/api/v1/provision-records", json=single, headers=school_auth)
    assert response.status_code == 200, response.text
    assert response.json()["end_reason"] == "moved_out_of_area"
    assert status_of(client, officer, CHILD, week(4))["exit_reason"] == "moved_out_of_area"


def test_the_register_keeps_the_child_while_another_provision_is_open(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    submit(client, school_auth, *weekly(school, range(6), 12))
    submit(client, college_auth, *weekly(college, range(3), 6))
    assert end(client, college_auth, week(2)).status_code == 201
    status = status_of(client, officer, CHILD, week(5))
    assert status["on_register"] and status["total_hours"] == 12
    assert status["weeks_below"] == 6


def test_an_officer_ends_one_provision_or_every_open_one(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    submit(client, school_auth, *weekly(school, range(3), 12))
    submit(client, college_auth, *weekly(college, range(3), 6))
    named = end(client, officer, week(2), "moved_to_other_provision", provider_id=college["id"])
    assert named.status_code == 201, named.text
    assert [e["provider_id"] for e in named.json()["ended"]] == [college["id"]]
    assert status_of(client, officer, CHILD, week(3))["on_register"]

    every = end(client, officer, week(2) + FRIDAY, "whereabouts_unknown")
    assert every.status_code == 201, every.text
    assert [e["provider_id"] for e in every.json()["ended"]] == [school["id"]]
    assert status_of(client, officer, CHILD, week(3))["exit_reason"] == "whereabouts_unknown"

    # With nothing open, the officer records where the child went: the ends that took the
    # child off the register are replaced.
    found = end(client, officer, week(2) + FRIDAY, "moved_out_of_area")
    assert found.status_code == 200, found.text
    assert status_of(client, officer, CHILD, week(3))["exit_reason"] == "moved_out_of_area"


def test_a_provider_ends_only_its_own_provision(
    client: TestClient,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    submit(client, school_auth, *weekly(school, range(3), 12))
    # A provider that never submitted the child cannot see it.
    assert_problem(end(client, college_auth, week(2)), 404)
    submit(client, college_auth, *weekly(college, range(1), 6))
    assert_problem(end(client, college_auth, week(2), provider_id=school["id"]), 403)


def test_ending_a_provision_that_does_not_exist(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    submit(client, officer, *weekly(school, range(3), 12))
    assert_problem(end(client, officer, week(2), provider_id=college["id"]), 404)
    assert_problem(end(client, officer, week(2), provider_id=2**31 - 1), 422, "/provider_id")
    unknown = client.post(
        ENDS,
        json={
            "upn": make_upn(91),
            "date_of_birth": BORN.isoformat(),
            "end_date": week(2).isoformat(),
            "end_reason": "other",
        },
        headers=officer,
    )
    assert_problem(unknown, 404)


# --- Bad input: a clear 4xx naming the field, nothing stored --------------------------------


def assert_unchanged(client: TestClient, officer: Headers) -> None:
    status = status_of(client, officer, CHILD, week(10))
    assert status["on_register"] and status["weeks_below"] == 11
    history = client.get(f"/api/v1/pupils/{CHILD}/history", headers=officer).json()
    assert {item["action"] for item in history["items"]} == {"created"}


@pytest.mark.parametrize(
    ("change", "status", "pointer"),
    [
        ({"end_reason": "graduated"}, 422, "/end_reason"),
        ({"end_date": None}, 422, "/end_date"),
        ({"end_date": "2026-09-31"}, 422, "/end_date"),
        # Before the provision's first record week.
        ({"end_date": (week(0) - timedelta(days=3)).isoformat()}, 422, "/end_date"),
        # Records for later weeks would reopen it.
        ({"end_date": week(1).isoformat()}, 409, "/end_date"),
        ({"date_of_birth": "2013-03-15"}, 409, "/date_of_birth"),
        ({"provider_id": "one"}, 422, "/provider_id"),
        ({"reason": "typo"}, 422, "/reason"),
    ],
)
def test_a_bad_end_is_refused_and_nothing_is_stored(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    change: dict[str, Any],
    status: int,
    pointer: str,
) -> None:
    submit(client, officer, *weekly(school, range(3), 12))
    body = {
        "upn": CHILD,
        "date_of_birth": BORN.isoformat(),
        "end_date": week(2).isoformat(),
        "end_reason": "returned_full_time",
        "provider_id": school["id"],
    } | change
    body = {key: value for key, value in body.items() if value is not None}
    assert_problem(client.post(ENDS, json=body, headers=officer), status, pointer)
    assert_unchanged(client, officer)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"end_reason": "returned_full_time"}, "/records/3/provision_end_date"),
        ({"provision_end_date": week(6).isoformat()}, "/records/3/end_reason"),
        # Before the record's own week.
        (
            {"provision_end_date": week(5).isoformat(), "end_reason": "other"},
            "/records/3/provision_end_date",
        ),
        (
            {"provision_end_date": week(6).isoformat(), "end_reason": "left"},
            "/records/3/end_reason",
        ),
    ],
)
def test_a_batch_with_a_half_stated_end_is_refused_whole(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    change: dict[str, Any],
    pointer: str,
) -> None:
    submit(client, officer, *weekly(school, range(3), 12))
    records = weekly(school, range(3, 7), 30)
    records[3] |= change
    assert_problem(submit_batch(client, officer, records), 422, pointer)
    assert_unchanged(client, officer)


@pytest.mark.parametrize("order", [1, -1], ids=["end-first", "end-last"])
def test_a_batch_may_end_an_arrangement_and_start_the_next(
    client: TestClient, officer: Headers, school: dict[str, Any], order: int
) -> None:
    submit(client, officer, *weekly(school, range(3), 12))
    # A half-termly sheet: the last week of one arrangement, then the next one after a break.
    records = weekly(school, range(3, 4), 12) + weekly(school, range(6, 8), 30)
    records[0] |= {
        "provision_end_date": (week(3) + FRIDAY).isoformat(),
        "end_reason": "moved_to_other_provision",
    }
    response = submit_batch(client, officer, records[::order])
    assert response.status_code == 200, response.text
    assert response.json()["ended"] == 1
    assert status_of(client, officer, CHILD, week(3))["total_hours"] == 12
    assert status_of(client, officer, CHILD, week(4))["exit_reason"] == "moved_to_other_provision"
    assert status_of(client, officer, CHILD, week(7))["total_hours"] == 30
    # The new arrangement is open: ending it is a new end, not a change to the first.
    assert end(client, officer, week(7) + FRIDAY, provider_id=school["id"]).status_code == 201


def test_an_end_before_records_already_stored_is_still_refused(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *weekly(school, range(6), 12))
    records = weekly(school, range(3, 4), 12)
    records[0] |= {"provision_end_date": week(3).isoformat(), "end_reason": "returned_full_time"}
    assert_problem(submit_batch(client, officer, records), 409, "/records/0/provision_end_date")
