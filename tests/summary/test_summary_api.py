"""Dashboard aggregates through the API."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]


@pytest.fixture
def register_of_eight(client: TestClient, officer: Headers, school: dict[str, Any]) -> None:
    """Five children below 25 for 1, 2, 3, 7 and 8 weeks; three full time."""
    records = []
    for serial, run in enumerate([1, 2, 3, 7, 8]):
        for n in range(8):
            hours = 6 + serial if n >= 8 - run else 30
            records.append(
                record(
                    make_upn(serial),
                    week_commencing=week(n),
                    hours=hours,
                    provider_id=school["id"],
                    reasons=["medical"] if serial < 3 else ["part_time_timetable"],
                )
            )
    for serial in range(5, 8):
        records += [
            record(
                make_upn(serial),
                week_commencing=week(n),
                hours=26,
                provider_id=school["id"],
                provision_type="mainstream_school",
            )
            for n in range(8)
        ]
    submit(client, officer, *records)


def summary(client: TestClient, headers: Headers, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/api/v1/summary", params={"as_at": week(7).isoformat(), **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.usefixtures("register_of_eight")
def test_summary_counts_hours_and_durations(client: TestClient, officer: Headers) -> None:
    body = summary(client, officer)
    assert body["suppressed"] is False
    assert (
        body["children_on_register"],
        body["children_below_threshold"],
        body["children_full_time"],
    ) == (8, 5, 3)
    assert body["mean_hours_below"] == pytest.approx(8)  # 6, 7, 8, 9, 10
    assert body["median_hours_below"] == 8
    assert {b["weeks"]: b["children"] for b in body["duration_bands"]} == {
        "1-2": 2,
        "3-6": 1,
        "7-12": 2,
        "13+": 0,
    }
    assert body["children_beyond_long_run"] == 2
    assert body["median_weeks_below"] == 3
    reasons = {r["key"]: (r["children"], r["below_threshold"]) for r in body["by_reason"]}
    assert reasons == {"medical": (3, 3), "part_time_timetable": (2, 2)}
    assert {r["key"]: r["children"] for r in body["by_provision_type"]} == {
        "alternative_provision": 5,
        "mainstream_school": 3,
    }
    assert body["by_year_group"] == [
        {"key": "Year 9", "children": 8, "below_threshold": 5}
    ]  # born May 2013
    assert len(body["by_provider"]) == 1


@pytest.mark.usefixtures("register_of_eight")
def test_suppression_hides_small_cells_and_cells_that_would_reveal_them(
    client: TestClient, officer: Headers
) -> None:
    body = summary(client, officer, suppress="true")
    assert body["suppressed"] is True
    assert body["children_on_register"] == 8
    # 5 below would give away the 3 full time by subtraction, so both are hidden.
    assert (body["children_below_threshold"], body["children_full_time"]) == ("c", "c")
    assert {b["weeks"]: b["children"] for b in body["duration_bands"]} == {
        "1-2": "c",
        "3-6": "c",
        "7-12": "c",
        "13+": 0,
    }
    assert body["children_beyond_long_run"] == "c"
    # An average over five children identifies none of them, so it stays.
    assert body["mean_hours_below"] == pytest.approx(8)


def test_averages_over_fewer_than_five_children_are_suppressed(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(
        client,
        officer,
        *(
            record(make_upn(n), week_commencing=week(7), hours=5 + n, provider_id=school["id"])
            for n in range(2)
        ),
    )
    body = summary(client, officer, suppress="true")
    assert (body["mean_hours_below"], body["median_hours_below"], body["mean_weeks_below"]) == (
        None,
        None,
        None,
    )
    assert summary(client, officer)["mean_hours_below"] == pytest.approx(5.5)


@pytest.mark.usefixtures("register_of_eight")
def test_inspectors_always_get_suppressed_figures(
    client: TestClient, login_as: Callable[..., Headers]
) -> None:
    assert summary(client, login_as("inspector"), suppress="false")["suppressed"] is True


@pytest.mark.usefixtures("register_of_eight")
def test_summary_as_csv_for_spreadsheets(client: TestClient, officer: Headers) -> None:
    response = client.get(
        "/api/v1/summary",
        params={"as_at": week(7).isoformat()},
        headers=officer | {"Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "summary-801-" in response.headers["content-disposition"]
    lines = response.text.splitlines()
    assert lines[0] == "measure,group,value"
    assert "children_below_threshold,,5" in lines
    assert "children_by_reason,medical,3" in lines


@pytest.mark.usefixtures("register_of_eight")
def test_trend_has_one_point_per_week(client: TestClient, officer: Headers) -> None:
    response = client.get(
        "/api/v1/summary/trend",
        params={"from": week(0).isoformat(), "to": week(7).isoformat()},
        headers=officer,
    )
    assert response.status_code == 200, response.text
    points = response.json()["points"]
    assert [p["children_below_threshold"] for p in points] == [1, 2, 2, 2, 2, 3, 4, 5]
    assert [p["children_beyond_long_run"] for p in points][-1] == 2


def test_summary_of_an_empty_register(client: TestClient, officer: Headers) -> None:
    body = summary(client, officer)
    assert (body["children_on_register"], body["mean_hours_below"]) == (0, None)


def test_providers_cannot_read_the_summary(client: TestClient, school_auth: Headers) -> None:
    assert client.get("/api/v1/summary", headers=school_auth).status_code == 403


def test_a_new_return_shows_in_the_next_summary_and_trend(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    def below_now() -> tuple[Any, Any]:
        trend = client.get(
            "/api/v1/summary/trend",
            params={"from": week(7).isoformat(), "to": week(7).isoformat()},
            headers=officer,
        ).json()
        return (
            summary(client, officer)["children_below_threshold"],
            trend["points"][0]["children_below_threshold"],
        )

    submit(client, officer, record(make_upn(1), week_commencing=week(7), provider_id=school["id"]))
    assert below_now() == (1, 1)
    assert below_now() == (1, 1)  # asked again: the same answer, now from the cache
    submit(client, officer, record(make_upn(2), week_commencing=week(7), provider_id=school["id"]))
    assert below_now() == (2, 2)
