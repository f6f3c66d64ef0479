"""Returns compliance: who owed the LA a week's return, who sent it, nil returns, and the alert
for providers that sent nothing."""

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import Settings
from tests.builders import make_upn, record, submit, week
from tests.conftest import restarted

Headers = dict[str, str]
RETURNS = "/api/v1/returns"
NIL = "/api/v1/nil-returns"
FRIDAY = timedelta(days=4)


def returns(client: TestClient, auth: Headers, n: int, **params: Any) -> dict[int, dict[str, Any]]:
    response = client.get(
        RETURNS, params={"week_commencing": week(n).isoformat(), **params}, headers=auth
    )
    assert response.status_code == 200, response.text
    return {line["provider_id"]: line for line in response.json()["providers"]}


def line(status: str, due: int, returned: int) -> tuple[str, int, int]:
    return (status, due, returned)


def seen(lines: dict[int, dict[str, Any]], provider: dict[str, Any]) -> tuple[str, int, int]:
    found = lines[provider["id"]]
    return (found["status"], found["children_due"], found["children_returned"])


def nil_return(client: TestClient, auth: Headers, n: int, **body: Any) -> Any:
    return client.post(NIL, json={"week_commencing": week(n).isoformat(), **body}, headers=auth)


def test_received_partial_missing_and_nil(
    client: TestClient,
    officer: Headers,
    make_provider: Callable[..., dict[str, Any]],
    login_as: Callable[..., Headers],
) -> None:
    school, unit, tutor, college = (
        make_provider(name, kind)
        for name, kind in (
            ("Oak School", "school"),
            ("Ash PRU", "pru"),
            ("Home tuition", "tuition"),
            ("Elm College", "ap"),
        )
    )
    # Week 0: the school and the PRU each take two children; the tutor one.
    for serial, provider in ((1, school), (2, school), (3, unit), (4, unit), (5, tutor)):
        submit(
            client,
            officer,
            record(make_upn(serial), week_commencing=week(0), provider_id=provider["id"]),
        )
    # Week 1: the school sends both, the PRU one of its two, the tutor nothing.
    for serial, provider in ((1, school), (2, school), (3, unit)):
        submit(
            client,
            officer,
            record(make_upn(serial), week_commencing=week(1), provider_id=provider["id"]),
        )
    college_auth = login_as("provider", college["id"])
    assert nil_return(client, college_auth, 1).status_code == 201
    assert nil_return(client, college_auth, 1).status_code == 200  # said once is enough

    lines = returns(client, officer, 1)
    assert seen(lines, school) == line("received", 2, 2)
    assert seen(lines, unit) == line("partial", 2, 1)
    assert seen(lines, tutor) == line("missing", 1, 0)
    assert seen(lines, college) == line("nil_return", 0, 0)

    # A provider reads its own line only.
    tutor_auth = login_as("provider", tutor["id"])
    assert list(returns(client, tutor_auth, 1)) == [tutor["id"]]
    forbidden = client.get(
        RETURNS,
        params={"week_commencing": week(1).isoformat(), "provider_id": school["id"]},
        headers=tutor_auth,
    )
    assert forbidden.status_code == 403

    as_csv = client.get(
        RETURNS,
        params={"week_commencing": week(1).isoformat()},
        headers=officer | {"Accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = {row["provider_name"]: row for row in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows["Ash PRU"]["status"] == "partial" and rows["Ash PRU"]["children_due"] == "2"
    assert rows["Ash PRU"]["children_missing"] == make_upn(4)
    assert rows["Oak School"]["children_missing"] == ""


def test_a_partial_or_missing_return_names_the_children_still_due(
    client: TestClient,
    officer: Headers,
    admin: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
    login_as: Callable[..., Headers],
) -> None:
    tutor = make_provider("Home tuition", "tuition")
    for serial, provider in ((21, school), (22, school), (23, school), (24, tutor)):
        submit(
            client,
            officer,
            record(make_upn(serial), week_commencing=week(0), provider_id=provider["id"]),
        )
    submit(client, officer, record(make_upn(22), week_commencing=week(1), provider_id=school["id"]))

    def still_due(lines: dict[int, dict[str, Any]], provider: dict[str, Any]) -> list[Any]:
        return [
            (child["upn"], child["week_commencing"])
            for child in lines[provider["id"]]["children_missing"]
        ]

    lines = returns(client, officer, 1)
    assert still_due(lines, school) == [
        (make_upn(21), week(1).isoformat()),
        (make_upn(23), week(1).isoformat()),
    ]
    assert still_due(lines, tutor) == [(make_upn(24), week(1).isoformat())]
    assert still_due(returns(client, officer, 0), school) == []  # received
    # A provider is told only its own children.
    tutor_lines = returns(client, login_as("provider", tutor["id"]), 1)
    assert list(tutor_lines) == [tutor["id"]]
    assert still_due(tutor_lines, tutor) == [(make_upn(24), week(1).isoformat())]
    # The trail names the children each list showed as still due, and no other.
    for upn, lists in ((make_upn(21), 1), (make_upn(24), 2), (make_upn(22), 0)):
        named = client.get(
            "/api/v1/audit", params={"upn": upn, "action": "list_returns"}, headers=admin
        )
        assert len(named.json()["items"]) == lists, upn


def test_an_earlier_week_is_judged_by_what_was_sent_for_it_not_since(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    # The school sent weeks 0 and 2 for one child, and weeks 0 to 2 for another: asked about
    # week 1 later, the first child is still due and the second was returned.
    for serial, weeks in ((31, (0, 2)), (32, (0, 1, 2))):
        submit(
            client,
            officer,
            *(
                record(make_upn(serial), week_commencing=week(n), provider_id=school["id"])
                for n in weeks
            ),
        )
    lines = returns(client, officer, 1)
    assert seen(lines, school) == line("partial", 2, 1)
    assert [child["upn"] for child in lines[school["id"]]["children_missing"]] == [make_upn(31)]
    assert seen(returns(client, officer, 0), school) == line("received", 2, 2)
    assert seen(returns(client, officer, 2), school) == line("received", 2, 2)


def test_a_week_is_late_two_working_days_after_it_ends(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, record(make_upn(25), week_commencing=week(0), provider_id=school["id"]))
    answer = client.get(RETURNS, params={"week_commencing": week(0).isoformat()}, headers=officer)
    # Monday to Sunday, then Monday and Tuesday to send it: late from Wednesday.
    assert answer.json()["due_by"] == (week(1) + timedelta(days=1)).isoformat()
    assert answer.json()["late"] is True  # week(0) is long past
    this_week = date.today() - timedelta(days=date.today().weekday())
    current = client.get(
        RETURNS, params={"week_commencing": this_week.isoformat()}, headers=officer
    )
    assert current.json()["late"] is False


def test_ended_provision_is_not_due_and_holidays_are_not_due(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    child = make_upn(7)
    submit(client, officer, record(child, week_commencing=week(0), provider_id=school["id"]))
    ended = client.post(
        "/api/v1/provision-ends",
        json={
            "upn": child,
            "date_of_birth": "2013-05-01",
            "end_date": (week(1) + FRIDAY).isoformat(),
            "end_reason": "returned_full_time",
            "provider_id": school["id"],
        },
        headers=officer,
    )
    assert ended.status_code == 201, ended.text
    assert seen(returns(client, officer, 1), school) == line("missing", 1, 0)  # its last week
    assert returns(client, officer, 2) == {}  # ended: nothing due

    # The week of week(3) is a holiday: not a term week, nothing due.
    other = make_upn(8)
    submit(client, officer, record(other, week_commencing=week(0), provider_id=school["id"]))
    terms = [(week(0), week(2) + FRIDAY), (week(4), week(10) + FRIDAY)]
    calendar = {
        "terms": [
            {"name": f"Term {i}", "start_date": start.isoformat(), "end_date": end.isoformat()}
            for i, (start, end) in enumerate(terms)
        ],
        "closures": [],
    }
    assert client.put("/api/v1/calendar", json=calendar, headers=officer).status_code == 200
    holiday = client.get(
        RETURNS, params={"week_commencing": week(3).isoformat()}, headers=officer
    ).json()
    assert holiday["term_week"] is False and holiday["providers"] == []
    assert seen(returns(client, officer, 4), school) == line("missing", 1, 0)


def test_a_nil_return_is_refused_while_children_are_due(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    make_provider: Callable[..., dict[str, Any]],
) -> None:
    submit(client, officer, record(make_upn(9), week_commencing=week(0), provider_id=school["id"]))
    refused = nil_return(client, school_auth, 1)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/week_commencing"
    assert "send their records" in refused.json()["detail"]

    not_monday = client.post(
        NIL, json={"week_commencing": (week(1) + FRIDAY).isoformat()}, headers=school_auth
    )
    assert not_monday.status_code == 422
    assert not_monday.json()["errors"][0]["pointer"] == "/week_commencing"
    future = date.today() + timedelta(days=14 - date.today().weekday())
    ahead = client.post(NIL, json={"week_commencing": future.isoformat()}, headers=school_auth)
    assert ahead.status_code == 422 and "future" in ahead.text

    other = make_provider("Birch AP", "ap")
    assert nil_return(client, school_auth, 1, provider_id=other["id"]).status_code == 403
    unnamed = nil_return(client, officer, 1)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["pointer"] == "/provider_id"
    assert returns(client, officer, 1, provider_id=other["id"]) == {}  # nothing was stored


def test_the_alert_names_a_late_provider_until_it_sends(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    child = make_upn(11)
    submit(client, officer, record(child, week_commencing=week(0), provider_id=school["id"]))

    def late(n: int, days: int = 0) -> list[dict[str, Any]]:
        as_at = week(n) + timedelta(days=days)
        body = client.get(
            "/api/v1/alerts",
            params={"as_at": as_at.isoformat(), "rule": "provider_return_missing"},
            headers=officer,
        ).json()
        assert body["counts"]["provider_return_missing"] == len(body["late_returns"])
        return list(body["late_returns"])

    assert late(1) == []  # week 0 arrived
    # Week 1 ended with nothing from the school; it has Monday and Tuesday to send it.
    assert late(2, days=1) == []
    [alert] = late(2, days=2)
    assert (alert["provider_id"], alert["week_commencing"], alert["children_due"]) == (
        school["id"],
        week(1).isoformat(),
        1,
    )
    submit(client, school_auth, record(child, week_commencing=week(1), provider_id=school["id"]))
    assert late(2, days=2) == []


def test_the_grace_period_is_a_setting(
    app: FastAPI,
    settings: Settings,
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
) -> None:
    submit(client, officer, record(make_upn(12), week_commencing=week(0), provider_id=school["id"]))
    with restarted(app, settings.model_copy(update={"return_due_days": 5})) as patient:

        def late_week(as_at: date) -> list[str]:
            body = patient.get(
                "/api/v1/alerts",
                params={"as_at": as_at.isoformat(), "rule": "provider_return_missing"},
                headers=officer,
            ).json()
            return [alert["week_commencing"] for alert in body["late_returns"]]

        # Five working days after week 1 is the Friday of week 2; late from the Saturday.
        assert late_week(week(2) + FRIDAY) == []
        assert late_week(week(2) + FRIDAY + timedelta(days=1)) == [week(1).isoformat()]
        answer = patient.get(
            RETURNS, params={"week_commencing": week(1).isoformat()}, headers=officer
        )
        assert answer.json()["due_by"] == (week(2) + FRIDAY).isoformat()
