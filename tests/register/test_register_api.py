"""The register's judgement through the HTTP API: hours across providers, runs, calendar."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.register.rejudge import rejudge_everyone
from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]
CHILD = make_upn(7)


def hours_from(provider: dict[str, Any], n: int, hours: float, upn: str = CHILD) -> dict[str, Any]:
    return record(upn, week_commencing=week(n), hours=hours, provider_id=provider["id"])


def status_of(
    client: TestClient, officer: Headers, as_at: date, upn: str = CHILD
) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/pupils/{upn}", params={"as_at": as_at.isoformat()}, headers=officer
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_hours_add_up_across_providers_and_below_25_is_part_time(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    submit(client, officer, hours_from(school, 0, 10), hours_from(college, 0, 10))
    status = status_of(client, officer, week(0))
    assert (status["total_hours"], status["below_threshold"], status["weeks_below"]) == (
        20,
        True,
        1,
    )
    assert {p["provider_id"]: p["hours"] for p in status["providers"]} == {
        school["id"]: 10,
        college["id"]: 10,
    }


@pytest.mark.parametrize(
    ("first", "second", "below"), [(15, 12, False), (12.5, 12.5, False), (12.5, 12.49, True)]
)
def test_the_line_is_25_hours_and_exactly_25_is_full_time(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    college: dict[str, Any],
    first: float,
    second: float,
    below: bool,
) -> None:
    submit(client, officer, hours_from(school, 0, first), hours_from(college, 0, second))
    status = status_of(client, officer, week(0))
    assert status["total_hours"] == pytest.approx(first + second)
    assert status["below_threshold"] is below
    assert status["threshold_hours"] == 25


def test_eight_weeks_below_counts_eight_since_the_first_monday(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 8) for n in range(8)))
    status = status_of(client, officer, week(7))
    assert (status["weeks_below"], status["below_since"]) == (8, week(0).isoformat())


def test_a_full_time_week_breaks_the_run(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 30 if n == 3 else 8) for n in range(6)))
    status = status_of(client, officer, week(5))
    assert (status["weeks_below"], status["below_since"]) == (2, week(4).isoformat())


def test_resubmitting_a_past_week_recomputes_the_runs_after_it(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 8) for n in range(8)))
    submit(client, officer, hours_from(school, 3, 30))
    split = status_of(client, officer, week(7))
    assert (split["weeks_below"], split["below_since"]) == (4, week(4).isoformat())
    assert status_of(client, officer, week(3))["below_threshold"] is False
    assert status_of(client, officer, week(2))["weeks_below"] == 3

    submit(client, officer, hours_from(school, 3, 8))
    rejoined = status_of(client, officer, week(7))
    assert (rejoined["weeks_below"], rejoined["below_since"]) == (8, week(0).isoformat())


def test_a_holiday_week_inside_a_run_neither_counts_nor_breaks_it(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    # week(2) is a half-term holiday: a term ends before it and the next starts after it.
    put_calendar(client, officer, terms=[(week(0), week(1) + 4 * DAY), (week(3), week(10))])
    submit(client, officer, *(hours_from(school, n, 30 if n == 2 else 8) for n in range(5)))
    status = status_of(client, officer, week(4))
    assert (status["weeks_below"], status["below_since"]) == (4, week(0).isoformat())
    holiday = status_of(client, officer, week(2))
    assert holiday["term_week"] is False and holiday["weeks_below"] == 2


def test_a_four_day_week_with_20_hours_is_full_time(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, hours_from(school, 0, 20))
    assert status_of(client, officer, week(0))["below_threshold"] is True
    # Adding a closure day re-judges the stored week.
    response = put_calendar(client, officer, terms=[(week(0), week(10))], closures=[week(0)])
    assert response["recomputed_children"] == 1
    status = status_of(client, officer, week(0))
    assert (status["threshold_hours"], status["below_threshold"]) == (20, False)


def test_an_unreported_week_carries_the_last_state_and_is_flagged(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(
        client,
        officer,
        hours_from(school, 0, 8),
        hours_from(school, 1, 8),
        hours_from(school, 3, 8),
    )
    status = status_of(client, officer, week(3))
    assert (status["weeks_below"], status["below_since"]) == (4, week(0).isoformat())
    assert status["data_quality"]["unreported_weeks_in_run"] == 1
    carried = status_of(client, officer, week(5))
    assert carried["below_threshold"] is True and carried["weeks_below"] == 6
    assert carried["last_reported_week"] == week(3).isoformat()
    assert carried["data_quality"]["unreported_weeks"] == 2

    submit(client, officer, hours_from(school, 6, 30))
    full_time = status_of(client, officer, week(8))
    assert (
        full_time["below_threshold"] is False and full_time["data_quality"]["unreported_weeks"] == 2
    )


def test_as_at_in_the_past_gives_the_historic_answer(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 30 if n < 2 else 8) for n in range(6)))
    assert status_of(client, officer, week(1))["below_threshold"] is False
    then = status_of(client, officer, week(3) + 2 * DAY)
    assert (then["week_commencing"], then["weeks_below"]) == (week(3).isoformat(), 2)
    before_any = status_of(client, officer, week(-1))
    assert before_any["total_hours"] is None and before_any["weeks_below"] == 0


def test_weeks_shows_each_week_with_unreported_ones_flagged(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    submit(
        client,
        officer,
        hours_from(school, 0, 10),
        hours_from(college, 0, 5),
        hours_from(school, 2, 30),
    )
    response = client.get(
        f"/api/v1/pupils/{CHILD}/weeks",
        params={"from": week(0).isoformat(), "to": week(3).isoformat()},
        headers=officer,
    )
    assert response.status_code == 200, response.text
    weeks = response.json()["weeks"]
    assert [(w["reported"], w["total_hours"], w["below_threshold"]) for w in weeks] == [
        (True, 15, True),
        (False, None, True),
        (True, 30, False),
        (False, None, False),
    ]
    assert len(weeks[0]["providers"]) == 2


def test_a_provider_sees_the_total_but_only_its_own_rows(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    college: dict[str, Any],
    login_as: Callable[..., Headers],
) -> None:
    submit(client, officer, hours_from(school, 0, 10), hours_from(college, 0, 5))
    college_auth = login_as("provider", college["id"])
    status = status_of(client, college_auth, week(0))
    assert status["total_hours"] == 15
    assert [
        (p["provider_id"], p["provider_name"], p["hours"], p["provision_type"])
        for p in status["providers"]
    ] == [(college["id"], college["name"], 5, "alternative_provision")]
    assert "given_name" not in status
    weeks = client.get(
        f"/api/v1/pupils/{CHILD}/weeks", params={"to": week(0).isoformat()}, headers=college_auth
    )
    assert [p["provider_id"] for p in weeks.json()["weeks"][-1]["providers"]] == [college["id"]]


def test_a_provider_cannot_see_a_child_it_never_submitted(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    college: dict[str, Any],
    login_as: Callable[..., Headers],
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    college_auth = login_as("provider", college["id"])
    for path in (f"/api/v1/pupils/{CHILD}", f"/api/v1/pupils/{CHILD}/weeks"):
        assert client.get(path, headers=college_auth).status_code == 404


@pytest.mark.parametrize("role", ["inspector", "provider"])
def test_only_officers_read_the_register_list(
    client: TestClient, login_as: Callable[..., Headers], school: dict[str, Any], role: str
) -> None:
    headers = login_as(role, school["id"] if role == "provider" else None)
    assert client.get("/api/v1/register", headers=headers).status_code == 403
    if role == "inspector":
        assert client.get(f"/api/v1/pupils/{CHILD}", headers=headers).status_code == 403


def test_register_lists_longest_runs_first_and_filters(
    client: TestClient, officer: Headers, school: dict[str, Any], college: dict[str, Any]
) -> None:
    long_run, short_run, full_time = make_upn(11), make_upn(12), make_upn(13)
    submit(
        client,
        officer,
        *(hours_from(school, n, 5, long_run) for n in range(6)),
        *(
            record(
                short_run,
                week_commencing=week(n),
                hours=5,
                provider_id=college["id"],
                provision_type="college",
            )
            for n in range(4, 6)
        ),
        *(hours_from(school, n, 26, full_time) for n in range(6)),
    )
    listed = client.get(
        "/api/v1/register", params={"as_at": week(5).isoformat()}, headers=officer
    ).json()
    assert [(c["upn"], c["weeks_below"]) for c in listed["items"]] == [
        (long_run, 6),
        (short_run, 2),
        (full_time, 0),
    ]

    def upns(**params: Any) -> list[str]:
        response = client.get(
            "/api/v1/register", params={"as_at": week(5).isoformat(), **params}, headers=officer
        )
        assert response.status_code == 200, response.text
        return [c["upn"] for c in response.json()["items"]]

    assert upns(below_threshold="true") == [long_run, short_run]
    assert upns(below_threshold="false") == [full_time]
    assert upns(min_weeks_below=3) == [long_run]
    assert upns(provision_type="college") == [short_run]
    assert upns(provider_id=school["id"]) == [long_run, full_time]
    assert upns(as_at=week(1).isoformat()) == [long_run, full_time]


def test_register_pages_follow_the_next_link(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    children = [make_upn(100 + i) for i in range(5)]
    submit(client, officer, *(hours_from(school, 0, 5 + i, upn) for i, upn in enumerate(children)))
    seen, url = [], "/api/v1/register?limit=2&as_at=" + week(0).isoformat()
    while url:
        page = client.get(url, headers=officer).json()
        seen += [c["upn"] for c in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(children) and len(seen) == 5
    bad = client.get("/api/v1/register?cursor=not-a-cursor", headers=officer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "cursor"


def test_calendar_rejects_overlapping_terms_and_changes_nothing(
    client: TestClient, officer: Headers
) -> None:
    response = client.put(
        "/api/v1/calendar",
        json={
            "terms": [
                {"name": "Autumn", "start_date": "2026-09-01", "end_date": "2026-12-18"},
                {"name": "Overlap", "start_date": "2026-12-01", "end_date": "2027-01-10"},
                {"name": "Backwards", "start_date": "2027-04-10", "end_date": "2027-04-01"},
            ],
            "closures": [{"date": "2026-09-05", "description": "a Saturday"}],
        },
        headers=officer,
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert "/terms/2/end_date" in pointers
    assert client.get("/api/v1/calendar", headers=officer).json()["terms"] == []


DAY = timedelta(days=1)


def put_calendar(
    client: TestClient,
    officer: Headers,
    *,
    terms: list[tuple[date, date]],
    closures: list[date] = [],  # noqa: B006 - read only
) -> dict[str, Any]:
    response = client.put(
        "/api/v1/calendar",
        json={
            "terms": [
                {"name": f"Term {i}", "start_date": start.isoformat(), "end_date": end.isoformat()}
                for i, (start, end) in enumerate(terms)
            ],
            "closures": [{"date": day.isoformat(), "description": "INSET"} for day in closures],
        },
        headers=officer,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_rejudging_applies_a_new_full_time_figure(
    app: FastAPI, client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 22) for n in range(3)))
    assert status_of(client, officer, week(2))["weeks_below"] == 3
    lower = app.state.settings.model_copy(update={"full_time_hours": Decimal(20)})
    assert rejudge_everyone(app.state.sessionmaker, settings=lower) == 1
    app.state.settings = lower
    status = status_of(client, officer, week(2))
    assert (status["below_threshold"], status["threshold_hours"]) == (False, 20)


def test_a_childs_only_record_in_a_holiday_week_is_kept_but_not_judged(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    put_calendar(client, officer, terms=[(week(0), week(1) + 4 * DAY), (week(3), week(10))])
    submit(client, officer, hours_from(school, 2, 6))  # a holiday scheme in half term
    status = status_of(client, officer, week(2))
    assert (status["total_hours"], status["below_threshold"]) == (None, False)
    weeks = client.get(
        f"/api/v1/pupils/{CHILD}/weeks",
        params={"from": week(2).isoformat(), "to": week(2).isoformat()},
        headers=officer,
    ).json()["weeks"]
    assert (weeks[0]["term_week"], weeks[0]["total_hours"]) == (False, 6)


def test_a_calendar_that_makes_a_reported_week_a_holiday_re_judges_it(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, hours_from(school, 0, 8), hours_from(school, 2, 8))
    response = put_calendar(
        client, officer, terms=[(week(0), week(1) + 4 * DAY), (week(3), week(9))]
    )
    assert response["recomputed_children"] == 1
    status = status_of(client, officer, week(3))
    assert (status["last_reported_week"], status["weeks_below"]) == (week(0).isoformat(), 3)


def test_weeks_beyond_the_last_term_entered_still_count(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    put_calendar(client, officer, terms=[(week(0), week(4))])
    submit(client, officer, *(hours_from(school, n, 8) for n in range(6, 10)))
    status = status_of(client, officer, week(9))
    assert (status["below_threshold"], status["weeks_below"]) == (True, 4)


def test_a_carried_status_keeps_the_threshold_it_was_judged_against(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    put_calendar(client, officer, terms=[(week(0), week(1) + 4 * DAY), (week(3), week(9))])
    submit(client, officer, hours_from(school, 1, 22))
    holiday = status_of(client, officer, week(2))
    assert (holiday["threshold_hours"], holiday["total_hours"], holiday["below_threshold"]) == (
        25,
        22,
        True,
    )
