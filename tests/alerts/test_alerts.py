"""Each alert rule, at and either side of its line."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.alerts.schemas import RULE_TITLES, AlertRule
from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]
CHILD = make_upn(42)


def alerts(client: TestClient, officer: Headers, as_at: date, rule: str) -> list[dict[str, Any]]:
    response = client.get(
        "/api/v1/alerts", params={"as_at": as_at.isoformat(), "rule": rule}, headers=officer
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"][rule] == len(body["items"])
    return list(body["items"])


def weekly(
    school: dict[str, Any], weeks: range, hours: float, **extra: Any
) -> list[dict[str, Any]]:
    return [
        record(CHILD, week_commencing=week(n), hours=hours, provider_id=school["id"], **extra)
        for n in weeks
    ]


def test_permanent_exclusion_alerts_from_the_sixth_school_day(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    excluded = {"exclusion_type": "permanent", "exclusion_start_date": week(0).isoformat()}
    submit(client, officer, *weekly(school, range(2), 10, **excluded))
    rule = "permanent_exclusion_not_full_time"
    assert alerts(client, officer, week(0) + timedelta(days=4), rule) == []  # day 5
    [alert] = alerts(client, officer, week(1), rule)  # day 6
    assert alert["upn"] == CHILD and alert["since"] == week(1).isoformat()
    assert "school day 6" in alert["reason"]
    submit(client, officer, *weekly(school, range(1, 2), 25, **excluded))
    assert alerts(client, officer, week(1), rule) == []


def test_a_run_beyond_six_weeks_alerts_and_six_does_not(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *weekly(school, range(7), 12))
    rule = "below_threshold_beyond_limit"
    assert alerts(client, officer, week(5), rule) == []
    [alert] = alerts(client, officer, week(6), rule)
    assert alert["weeks_below"] == 7 and "7 term weeks" in alert["reason"]


def test_a_part_time_timetable_past_review_or_end_alerts_while_part_time(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    timetable = {
        "reasons": ["part_time_timetable"],
        "timetable_review_date": week(1).isoformat(),
        "timetable_end_date": week(3).isoformat(),
    }
    submit(client, officer, *weekly(school, range(5), 15, **timetable))
    rule = "part_time_timetable_overdue"
    assert alerts(client, officer, week(1), rule) == []
    [review] = alerts(client, officer, week(2), rule)
    assert "due for review" in review["reason"]
    [ended] = alerts(client, officer, week(4), rule)
    assert "agreed to end" in ended["reason"] and ended["since"] == week(3).isoformat()
    submit(client, officer, *weekly(school, range(4, 5), 25, **timetable))
    assert alerts(client, officer, week(4), rule) == []


def test_a_child_with_two_overdue_timetables_is_listed_once_for_the_longest_overdue(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    tutor = make_provider("Home tuition service", "tuition")
    college = make_provider("Further education college", "college")
    part_time = {"reasons": ["part_time_timetable"]}
    submit(
        client,
        officer,
        *weekly(school, range(4), 5, **part_time, timetable_review_date=week(2).isoformat()),
        *weekly(tutor, range(4), 5, **part_time, timetable_review_date=week(1).isoformat()),
        *weekly(college, range(4), 5, **part_time, timetable_review_date=week(1).isoformat()),
    )
    rule = "part_time_timetable_overdue"
    # The tutor's and the college's reviews are a week older than the school's; of those two,
    # the provider registered first is named.
    [alert] = alerts(client, officer, week(3), rule)
    assert alert["since"] == week(1).isoformat()
    assert [p["provider_id"] for p in alert["providers"]] == [tutor["id"]]


def test_no_return_for_two_term_weeks_alerts(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *weekly(school, range(1), 30))
    assert alerts(client, officer, week(1), "no_return") == []
    [alert] = alerts(client, officer, week(2), "no_return")
    assert alert["last_reported_week"] == week(0).isoformat() and "2 term weeks" in alert["reason"]


def test_fifteen_school_days_missed_in_a_term_alerts(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *weekly(school, range(2), 0))
    assert alerts(client, officer, week(1), "missed_school_days") == []  # 10 days
    submit(client, officer, *weekly(school, range(2, 3), 20))
    assert alerts(client, officer, week(2), "missed_school_days") == []  # 11 days
    submit(client, officer, *weekly(school, range(2, 3), 0))
    [alert] = alerts(client, officer, week(2), "missed_school_days")
    assert "15.0 school days" in alert["reason"]


def test_no_school_on_roll_alerts_for_tuition_only(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    tutor = make_provider("Home tuition service", "tuition")
    submit(
        client,
        officer,
        record(
            CHILD,
            week_commencing=week(0),
            hours=5,
            provider_id=tutor["id"],
            provision_type="home_tuition",
        ),
    )
    [alert] = alerts(client, officer, week(0), "no_school_on_roll")
    assert alert["upn"] == CHILD
    submit(
        client, officer, record(CHILD, week_commencing=week(0), hours=5, provider_id=school["id"])
    )
    assert alerts(client, officer, week(0), "no_school_on_roll") == []


@pytest.mark.parametrize("role", ["provider", "inspector"])
def test_alerts_are_for_officers(
    client: TestClient, login_as: Callable[..., Headers], school: dict[str, Any], role: str
) -> None:
    headers = login_as(role, school["id"] if role == "provider" else None)
    assert client.get("/api/v1/alerts", headers=headers).status_code == 403


def test_one_alert_per_child_and_rule_however_many_providers_raise_it(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    college = make_provider("College", "college")
    overdue = {"timetable_review_date": week(0).isoformat()}
    submit(
        client,
        officer,
        *weekly(school, range(2), 5, **overdue),
        *weekly(college, range(2), 5, **overdue),
    )
    assert len(alerts(client, officer, week(1), "part_time_timetable_overdue")) == 1


def end_provision(
    client: TestClient, officer: Headers, provider: dict[str, Any], n: int, reason: str
) -> None:
    response = client.post(
        "/api/v1/provision-ends",
        json={
            "upn": CHILD,
            "date_of_birth": "2013-05-01",
            "end_date": week(n).isoformat(),
            "end_reason": reason,
            "provider_id": provider["id"],
        },
        headers=officer,
    )
    assert response.status_code in (200, 201), response.text


def test_no_return_names_each_open_provider_that_has_not_returned(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    college = make_provider("Riverside College", "college")
    tutor = make_provider("Home tuition service", "tuition")
    submit(
        client,
        officer,
        *weekly(school, range(4), 10),
        *weekly(college, range(1), 5),
        *weekly(tutor, range(1), 5),
    )
    [alert] = alerts(client, officer, week(3), "no_return")
    assert sorted(alert["provider_ids"]) == sorted([college["id"], tutor["id"]])
    assert "Riverside College" in alert["reason"] and "3 term weeks" in alert["reason"]
    # An ended provision is not chased; once every open provider has reported, nor is the child.
    end_provision(client, officer, college, 0, "moved_to_other_provision")
    [alert] = alerts(client, officer, week(3), "no_return")
    assert alert["provider_ids"] == [tutor["id"]]
    submit(client, officer, *weekly(tutor, range(2, 4), 5))
    assert alerts(client, officer, week(3), "no_return") == []


def test_a_timetable_alert_stops_when_its_provision_ends(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    tutor = make_provider("Home tuition service", "tuition")
    overdue = {"reasons": ["part_time_timetable"], "timetable_review_date": week(0).isoformat()}
    submit(client, officer, *weekly(school, range(3), 10, **overdue), *weekly(tutor, range(4), 5))
    assert len(alerts(client, officer, week(2), "part_time_timetable_overdue")) == 1
    end_provision(client, officer, school, 2, "moved_to_other_provision")
    assert alerts(client, officer, week(3), "part_time_timetable_overdue") == []


@pytest.mark.parametrize("reason", ["whereabouts_unknown", "removed_from_roll"])
def test_a_child_whose_whereabouts_are_unknown_alerts_until_a_destination_is_recorded(
    client: TestClient, officer: Headers, school: dict[str, Any], reason: str
) -> None:
    submit(client, officer, *weekly(school, range(8), 10))
    end_provision(client, officer, school, 7, reason)
    # Off the register, no other rule speaks for the child; on it, they did.
    for rule in ("below_threshold_beyond_limit", "missed_school_days"):
        assert len(alerts(client, officer, week(7), rule)) == 1
    for rule in ("below_threshold_beyond_limit", "no_return", "missed_school_days"):
        assert alerts(client, officer, week(9), rule) == []
    [alert] = alerts(client, officer, week(9), "whereabouts_unknown")
    assert alert["upn"] == CHILD and alert["since"] == week(7).isoformat()
    assert not alert["below_threshold"] and alert["weeks_below"] == 0
    end_provision(client, officer, school, 7, "moved_out_of_area")
    assert alerts(client, officer, week(9), "whereabouts_unknown") == []


def test_the_list_stops_at_the_limit_and_the_counts_do_not(
    client: TestClient, officer: Headers, make_provider: Callable[..., dict[str, Any]]
) -> None:
    tutor = make_provider("Home tuition service", "tuition")
    children = [make_upn(serial) for serial in range(100, 202)]
    tutored = [
        record(
            upn,
            week_commencing=week(0),
            hours=5,
            provider_id=tutor["id"],
            provision_type="home_tuition",
        )
        for upn in children
    ]
    submit(client, officer, *tutored)
    rule = {"as_at": week(0).isoformat(), "rule": "no_school_on_roll"}
    page = client.get("/api/v1/alerts", params=rule, headers=officer).json()
    assert page["counts"]["no_school_on_roll"] == 102
    assert len(page["items"]) == 100 and page["truncated"] is True
    assert [item["upn"] for item in page["items"]] == children[:100]  # by child, in order
    whole = client.get("/api/v1/alerts", params=rule | {"limit": 102}, headers=officer).json()
    assert len(whole["items"]) == 102 and whole["truncated"] is False


def test_late_returns_are_counted_in_full_and_listed_by_the_first_week_missed(
    client: TestClient, officer: Headers, make_provider: Callable[..., dict[str, Any]]
) -> None:
    school = make_provider("Oak Primary School", "school")
    tutor = make_provider("Home tuition service", "tuition")
    # Four children whose school's returns stopped after weeks 2, 0, 0 and 0; the first of
    # the three who stopped after week 0 also has a tutor who stopped after week 1. The
    # school went on to week 5 for a fifth child.
    stopped = {make_upn(300): 2, make_upn(301): 0, make_upn(302): 0, make_upn(303): 0}
    sent = [
        record(upn, week_commencing=week(n), hours=10, provider_id=school["id"])
        for upn, last in stopped.items()
        for n in range(last + 1)
    ]
    sent += [
        record(make_upn(301), week_commencing=week(n), hours=5, provider_id=tutor["id"])
        for n in range(2)
    ]
    sent += [
        record(make_upn(304), week_commencing=week(n), hours=30, provider_id=school["id"])
        for n in range(6)
    ]
    submit(client, officer, *sent)
    params: dict[str, str | int] = {"as_at": week(5).isoformat(), "rule": "no_return", "limit": 2}
    page = client.get("/api/v1/alerts", params=params, headers=officer).json()
    assert page["counts"]["no_return"] == 4 and page["truncated"] is True
    # Of equals, the lower child first; a child late with two providers is listed once, for
    # the longer silence, naming both.
    assert [item["upn"] for item in page["items"]] == [make_upn(301), make_upn(302)]
    assert {item["since"] for item in page["items"]} == {week(1).isoformat()}
    assert page["items"][0]["provider_ids"] == sorted([school["id"], tutor["id"]])
    whole = client.get("/api/v1/alerts", params=params | {"limit": 4}, headers=officer).json()
    assert [item["upn"] for item in whole["items"]] == [make_upn(n) for n in (301, 302, 303, 300)]
    assert whole["items"][3]["since"] == week(3).isoformat() and whole["truncated"] is False


def test_every_rule_has_a_title_for_the_worklists() -> None:
    assert set(RULE_TITLES) == set(AlertRule)
