"""Rules 10-14 through the HTTP API: the status shows its working, and each rule's alert."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.test_alerts import alerts
from tests.builders import make_upn, record, submit, week
from tests.provision import RECORDS, Headers, assert_problem, status_of

CHILD = make_upn(95)
FRIDAY = timedelta(days=4)
# Autumn term 2026 with half term in week 7 (26 October).
HALF_TERMS = {
    "terms": [
        {"name": "Autumn 1", "start_date": "2026-09-07", "end_date": "2026-10-23"},
        {"name": "Autumn 2", "start_date": "2026-11-02", "end_date": "2026-12-18"},
    ],
    "closures": [],
}


def sent(provider: dict[str, Any], n: int, hours: float, **extra: Any) -> dict[str, Any]:
    return record(CHILD, week_commencing=week(n), hours=hours, provider_id=provider["id"], **extra)


def test_fifteen_days_missed_across_two_half_terms_for_health_needs(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    assert client.put("/api/v1/calendar", json=HALF_TERMS, headers=officer).status_code == 200
    medical = {"reasons": ["medical"], "provision_type": "hospital_education"}
    submit(client, officer, *(sent(school, n, 25) for n in range(5)))
    submit(client, officer, sent(school, 5, 0, **medical), sent(school, 6, 0, **medical))
    assert alerts(client, officer, week(6), "missed_school_days") == []
    submit(client, officer, sent(school, 8, 0, **medical))  # week(7) is half term

    [alert] = alerts(client, officer, week(8), "missed_school_days")
    assert alert["since"] == week(8).isoformat() == "2026-11-02"
    assert "15.0 school days" in alert["reason"] and "15.0 of them" in alert["reason"]
    status = status_of(client, officer, CHILD, week(8))
    assert status["school_days_missed_this_year"] == 15


def test_days_missed_restart_each_school_year_for_a_state_carried_into_it(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    """Children last reported in the summer: their last week is carried into the new school
    year, whose days missed count from 1 September, each child's at their own hours."""
    summer = {"name": "Summer 2", "start_date": "2026-06-08", "end_date": "2026-07-17"}
    calendar = HALF_TERMS | {"terms": [summer, *HALF_TERMS["terms"]]}
    assert client.put("/api/v1/calendar", json=calendar, headers=officer).status_code == 200
    july = [date(2026, 7, 6), date(2026, 7, 13)]
    medical: dict[str, Any] = {"reasons": ["medical"], "provision_type": "hospital_education"}
    children: dict[str, tuple[int, dict[str, Any]]] = {
        make_upn(90): (10, {}),  # 3 days a week missed
        make_upn(91): (10, medical),  # the same, for health needs
        make_upn(92): (20, {}),  # 1 day a week
    }
    submit(
        client,
        officer,
        *(
            record(upn, week_commencing=monday, hours=hours, provider_id=school["id"], **extra)
            for upn, (hours, extra) in children.items()
            for monday in july
        ),
    )
    # Six summer days missed do not count; four autumn weeks make 12.
    assert alerts(client, officer, week(3), "missed_school_days") == []

    found = alerts(client, officer, week(4), "missed_school_days")
    assert [a["upn"] for a in found] == [make_upn(90), make_upn(91)]
    assert {a["since"] for a in found} == {week(4).isoformat()}
    assert "15.0 school days" in found[0]["reason"] and "0.0 of them" in found[0]["reason"]
    assert "15.0 of them" in found[1]["reason"]
    # Days missed grow at 1 a week from 20 hours: 15 by the fifteenth term week.
    late = alerts(client, officer, week(15), "missed_school_days")
    assert [a["upn"] for a in late] == [make_upn(90), make_upn(91), make_upn(92)]
    assert late[2]["since"] == week(15).isoformat()


def test_a_school_offering_full_time_that_the_child_does_not_attend(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(sent(school, n, 25, hours_attended=0) for n in range(3)))

    status = status_of(client, officer, CHILD, week(2))
    assert (status["total_hours"], status["below_threshold"]) == (25, False)
    assert (status["hours_received"], status["school_days_missed_this_year"]) == (0, 15)
    assert status["providers"][0]["hours_attended"] == 0
    [alert] = alerts(client, officer, week(2), "missed_school_days")
    assert alert["since"] == week(2).isoformat()


def test_a_suspension_needs_full_time_education_from_the_sixth_school_day(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    suspended = {"exclusion_type": "suspension", "exclusion_start_date": week(0).isoformat()}
    submit(client, officer, sent(school, 0, 0, **suspended))
    assert alerts(client, officer, week(0) + FRIDAY, "suspension_not_full_time") == []
    submit(client, officer, sent(college, 1, 10))

    [alert] = alerts(client, officer, week(1), "suspension_not_full_time")
    assert alert["since"] == week(1).isoformat()
    assert alert["providers"] == [{"provider_id": school["id"], "provider_name": school["name"]}]
    # The school takes the child back: the suspension is over.
    submit(client, officer, sent(school, 2, 15), sent(college, 2, 0))
    assert alerts(client, officer, week(2), "suspension_not_full_time") == []


def test_a_part_time_timetable_without_an_end_and_one_past_its_end(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    timetable = {"reasons": ["part_time_timetable"], "timetable_review_date": "2026-10-05"}
    for n in range(3):
        response = client.post(RECORDS, json=sent(school, n, 12, **timetable), headers=school_auth)
        assert response.status_code in (200, 201), response.text
    assert [w["pointer"] for w in response.json()["warnings"]] == [
        "/timetable_end_date",
        "/parent_agreed_on",
    ]
    [alert] = alerts(client, officer, week(2), "part_time_timetable_without_limit")
    assert alert["since"] == week(0).isoformat()
    assert alert["providers"][0]["provider_name"] == school["name"]
    [entry] = status_of(client, officer, CHILD, week(2))["providers"]
    assert (entry["reasons"], entry["timetable_review_date"], entry["timetable_end_date"]) == (
        ["part_time_timetable"],
        "2026-10-05",
        None,
    )

    limited = timetable | {"timetable_end_date": "2026-09-25", "parent_agreed_on": "2026-09-04"}
    submit(client, officer, sent(school, 2, 12, **limited))
    assert alerts(client, officer, week(2), "part_time_timetable_without_limit") == []
    submit(client, officer, sent(school, 3, 12, **timetable))
    [past] = alerts(client, officer, week(3), "part_time_timetable_past_end")
    assert past["since"] == week(3).isoformat()
    assert "2026-09-25" in past["reason"]


def test_an_end_date_agreed_in_the_half_term_counts_from_that_week(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    assert client.put("/api/v1/calendar", json=HALF_TERMS, headers=officer).status_code == 200
    timetable = {"reasons": ["part_time_timetable"], "timetable_end_date": "2026-10-09"}
    submit(client, officer, sent(school, 5, 12, **timetable), sent(school, 6, 12, **timetable))
    # Weeks 5 and 6 are reported after the agreed end; week 7 is half term.
    [past] = alerts(client, officer, week(7), "part_time_timetable_past_end")
    assert past["since"] == week(5).isoformat()
    # A record for the half-term week, which is not judged, agrees a later end date: from that
    # week the timetable reported on 19 October is within it.
    extended = timetable | {"timetable_end_date": "2026-11-20"}
    submit(client, officer, sent(school, 7, 12, **extended))
    assert alerts(client, officer, week(6), "part_time_timetable_past_end") != []
    assert alerts(client, officer, week(7), "part_time_timetable_past_end") == []


def test_impossible_weeks_are_alerted_until_corrected(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    submit(client, officer, sent(school, 0, 32.5), sent(college, 0, 30))
    [alert] = alerts(client, officer, week(0), "implausible_hours")
    assert "62.50" in alert["reason"]
    submit(client, officer, sent(college, 0, 3))
    assert alerts(client, officer, week(0), "implausible_hours") == []


def test_full_time_hours_by_year_group(
    app: FastAPI, client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"full_time_hours_by_year_group": {"R": Decimal(21), "3": Decimal("23.5")}}
    )
    year_2 = date(2020, 3, 1)  # Year 2 in 2026/27
    submit(client, officer, sent(school, 0, 22, date_of_birth=year_2))
    status = status_of(client, officer, CHILD, week(0))
    assert (status["year_group"], status["threshold_hours"], status["below_threshold"]) == (
        "2",
        21,
        False,
    )


def test_a_conflicting_date_of_birth_alerts_until_the_provider_agrees(
    client: TestClient, officer: Headers, school: dict[str, Any], college_auth: Headers
) -> None:
    submit(client, officer, sent(school, 0, 10))
    other = record(CHILD, date_of_birth=date(2013, 6, 1))
    assert_problem(client.post(RECORDS, json=other, headers=college_auth), 409)

    [alert] = alerts(client, officer, week(0), "date_of_birth_conflict")
    assert "2013-06-01" in alert["reason"] and alert["providers"][0]["provider_id"] != school["id"]
    agreed = client.post(RECORDS, json=record(CHILD), headers=college_auth)
    assert agreed.status_code == 201, agreed.text
    assert alerts(client, officer, week(0), "date_of_birth_conflict") == []
