"""Outcomes in the summary: who left the register this academic year, and how long those who
returned to full-time education were on it."""

import csv
import io
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]
FRIDAY = timedelta(days=4)


def on_register_then_ended(
    client: TestClient,
    officer: Headers,
    provider: dict[str, Any],
    serial: int,
    weeks: range,
    reason: str,
) -> None:
    upn = make_upn(serial)
    submit(
        client,
        officer,
        *(record(upn, week_commencing=week(n), provider_id=provider["id"]) for n in weeks),
    )
    response = client.post(
        "/api/v1/provision-ends",
        json={
            "upn": upn,
            "date_of_birth": "2013-05-01",
            "end_date": (week(weeks[-1]) + FRIDAY).isoformat(),
            "end_reason": reason,
        },
        headers=officer,
    )
    assert response.status_code == 201, response.text


def summary(client: TestClient, auth: Headers, n: int, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/api/v1/summary", params={"as_at": week(n).isoformat(), **params}, headers=auth
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_leavers_this_year_by_reason_and_weeks_to_full_time(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    for serial, last in enumerate((2, 3, 3, 5, 9)):
        on_register_then_ended(
            client, officer, school, serial, range(last + 1), "returned_full_time"
        )
    on_register_then_ended(client, officer, school, 10, range(2), "moved_out_of_area")
    # Left in August, before this academic year began.
    on_register_then_ended(client, officer, school, 11, range(-6, -3), "returned_full_time")
    submit(client, officer, record(make_upn(12), provider_id=school["id"]))

    body = summary(client, officer, 12)
    assert body["academic_year_starts"] == "2026-09-01"
    assert body["children_on_register"] == 1
    assert body["children_left_register"] == 6
    assert body["left_register_by_reason"] == [
        {"exit_reason": "moved_out_of_area", "children": 1},
        {"exit_reason": "returned_full_time", "children": 5},
    ]
    assert body["children_returned_full_time"] == 5
    # Weeks on the register before returning: 3, 4, 4, 6 and 10.
    assert (body["mean_weeks_to_full_time"], body["median_weeks_to_full_time"]) == (5.4, 4)

    # As at week 4 the mover and three who returned (after 3, 4 and 4 weeks) have left.
    early = summary(client, officer, 4)
    assert (early["children_left_register"], early["children_on_register"]) == (4, 3)
    assert early["median_weeks_to_full_time"] == 4


def test_outcomes_are_suppressed_and_in_the_csv(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    for serial in range(6):
        on_register_then_ended(client, officer, school, serial, range(2), "returned_full_time")
    on_register_then_ended(client, officer, school, 9, range(2), "whereabouts_unknown")

    suppressed = summary(client, officer, 5, suppress="true")
    assert suppressed["children_left_register"] == 7
    # One leaver alone is hidden, and so is the cell it could be recovered from.
    assert suppressed["left_register_by_reason"] == [
        {"exit_reason": "returned_full_time", "children": "c"},
        {"exit_reason": "whereabouts_unknown", "children": "c"},
    ]
    assert suppressed["mean_weeks_to_full_time"] == 2

    response = client.get(
        "/api/v1/summary",
        params={"as_at": week(5).isoformat()},
        headers=officer | {"Accept": "text/csv"},
    )
    rows = {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(response.text))}
    assert rows["children_left_register", ""] == "7"
    assert rows["children_left_register_by_reason", "returned_full_time"] == "6"
    assert rows["children_left_register_by_reason", "whereabouts_unknown"] == "1"
    assert float(rows["median_weeks_to_full_time", ""]) == 2


def test_outcomes_count_nobody_before_anyone_leaves(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, record(make_upn(1), provider_id=school["id"]))
    body = summary(client, officer, 0)
    assert body["children_left_register"] == 0 and body["left_register_by_reason"] == []
    assert body["mean_weeks_to_full_time"] is None
    assert date.fromisoformat(body["academic_year_starts"]) == date(2026, 9, 1)


def test_a_child_who_comes_back_and_leaves_again_counts_once_by_the_latest_exit(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    on_register_then_ended(client, officer, school, 0, range(3), "returned_full_time")
    on_register_then_ended(client, officer, school, 1, range(2), "returned_full_time")

    between = summary(client, officer, 4)
    assert between["left_register_by_reason"] == [
        {"exit_reason": "returned_full_time", "children": 2}
    ]
    on_register_then_ended(client, officer, school, 0, range(5, 7), "moved_out_of_area")
    assert summary(client, officer, 4) == between  # what was known of week 4 stands
    after = summary(client, officer, 9)
    assert after["children_left_register"] == 2
    assert after["left_register_by_reason"] == [
        {"exit_reason": "moved_out_of_area", "children": 1},
        {"exit_reason": "returned_full_time", "children": 1},
    ]
    # Only the child who stayed back in full time counts: on the register weeks 0 and 1.
    assert (after["children_returned_full_time"], after["median_weeks_to_full_time"]) == (1, 2)


def test_a_calendar_change_recounts_the_term_weeks_before_returning_to_full_time(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    on_register_then_ended(client, officer, school, 0, range(6), "returned_full_time")
    assert summary(client, officer, 8)["median_weeks_to_full_time"] == 6

    # Week 2 becomes a holiday: five term weeks on the register.
    autumn = [
        {"name": "Autumn 1", "start_date": "2026-09-01", "end_date": "2026-09-18"},
        {"name": "Autumn 2", "start_date": "2026-09-28", "end_date": "2026-12-18"},
    ]
    for terms, weeks in ((autumn, 5), ([], 6)):
        response = client.put("/api/v1/calendar", json={"terms": terms}, headers=officer)
        assert response.status_code == 200, response.text
        body = summary(client, officer, 8)
        assert body["children_returned_full_time"] == 1
        assert body["median_weeks_to_full_time"] == weeks
