"""A child's history, and the register as it knew a child at a moment."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.cursors import decode_id_cursor
from tests.builders import make_upn, record, submit, week
from tests.provision import RECORDS, Headers, assert_problem, status_of

CHILD = make_upn(60)
ENDS = "/api/v1/provision-ends"


def history(client: TestClient, officer: Headers, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/pupils/{CHILD}/history", params=params, headers=officer)
    assert response.status_code == 200, response.text
    return dict(response.json())


def known_at(client: TestClient, auth: Headers, moment: datetime, n: int) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/pupils/{CHILD}",
        params={"as_at": week(n).isoformat(), "as_known_at": moment.isoformat()},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def hours_from(provider: dict[str, Any], n: int, hours: float, **extra: Any) -> dict[str, Any]:
    return record(CHILD, week_commencing=week(n), hours=hours, provider_id=provider["id"], **extra)


def end_of(provider: dict[str, Any], n: int, reason: str) -> dict[str, Any]:
    return {
        "upn": CHILD,
        "date_of_birth": "2013-05-01",
        "end_date": week(n).isoformat(),
        "end_reason": reason,
        "provider_id": provider["id"],
    }


def now() -> datetime:
    return datetime.now(UTC)


def test_every_change_is_kept_newest_first_with_who_and_when(
    client: TestClient,
    admin: Headers,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
) -> None:
    started = now()
    submit(client, school_auth, hours_from(school, 0, 10), hours_from(school, 1, 10))
    submit(client, school_auth, hours_from(school, 1, 12))
    submit(client, school_auth, hours_from(school, 1, 12))  # unchanged: no new version
    params = {"upn": CHILD, "week_commencing": week(0).isoformat()}
    assert client.delete(RECORDS, params=params, headers=school_auth).status_code == 204
    assert client.post(ENDS, json=end_of(school, 1, "other"), headers=officer).status_code == 201
    ended = end_of(school, 1, "returned_full_time")
    assert client.post(ENDS, json=ended, headers=officer).status_code == 200

    items = history(client, admin)["items"]
    assert [(item["action"], item["week_commencing"]) for item in items] == [
        ("end_replaced", None),
        ("ended", None),
        ("withdrawn", week(0).isoformat()),
        ("replaced", week(1).isoformat()),
        ("created", week(1).isoformat()),
        ("created", week(0).isoformat()),
    ]
    clients = [item["client_id"] for item in items]
    assert clients[0] == clients[1] != clients[2] == clients[-1]
    assert clients[2].startswith("provider-")
    times = [datetime.fromisoformat(item["recorded_at"]) for item in items]
    assert times == sorted(times, reverse=True) and started <= times[-1] <= now()
    assert items[0]["end_reason"] == "returned_full_time" and items[1]["end_reason"] == "other"
    assert items[2]["record"]["hours"] == 10  # what was withdrawn
    assert (items[3]["record"]["hours"], items[4]["record"]["hours"]) == (12, 10)
    assert items[0]["record"] is None and items[3]["end_date"] is None


def test_history_pages_follow_next_or_the_cursor(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(hours_from(school, n, 10) for n in range(5)))
    first = history(client, officer, limit=3)
    assert len(first["items"]) == 3 and first["next"]
    rest = client.get(first["next"], headers=officer).json()
    weeks = [item["week_commencing"] for item in first["items"] + rest["items"]]
    assert sorted(weeks) == [week(n).isoformat() for n in range(5)]
    assert len(set(weeks)) == 5
    assert history(client, officer, cursor=first["cursor"]) == rest
    assert rest["cursor"] is None and rest["next"] is None
    # The former position parameter, a row id, still pages the same way.
    assert history(client, officer, before_id=decode_id_cursor(first["cursor"])) == rest
    assert_problem(client.get(f"/api/v1/pupils/{CHILD}/history?cursor=x", headers=officer), 422)


def test_only_la_officers_read_a_childs_history(
    client: TestClient,
    school: dict[str, Any],
    school_auth: Headers,
    login_as: Callable[..., Headers],
) -> None:
    submit(client, school_auth, hours_from(school, 0, 10))
    url = f"/api/v1/pupils/{CHILD}/history"
    assert_problem(client.get(url, headers=school_auth), 403)
    assert_problem(client.get(url, headers=login_as("inspector")), 403)
    assert_problem(client.get(url), 401)


def test_what_the_register_knew_and_when(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    before_anything = now()
    submit(client, school_auth, *(hours_from(school, n, 10) for n in range(4)))
    part_time = now()
    submit(client, school_auth, hours_from(school, 3, 30))
    corrected = now()
    response = client.post(ENDS, json=end_of(school, 3, "returned_full_time"), headers=officer)
    assert response.status_code == 201

    then = known_at(client, officer, part_time, 5)
    assert (then["on_register"], then["below_threshold"], then["weeks_below"]) == (True, True, 6)
    assert [
        (p["provider_id"], p["provider_name"], p["hours"], p["provision_type"])
        for p in then["providers"]
    ] == [(school["id"], school["name"], 10, "alternative_provision")]
    assert then["data_quality"]["unreported_weeks_in_run"] == 2
    later = known_at(client, officer, corrected, 5)
    assert (later["on_register"], later["below_threshold"], later["weeks_below"]) == (
        True,
        False,
        0,
    )
    assert not known_at(client, officer, now(), 5)["on_register"]
    nothing = known_at(client, officer, before_anything, 5)
    assert (nothing["on_register"], nothing["total_hours"], nothing["providers"]) == (
        False,
        None,
        [],
    )
    # A provider asks the same question about its own children.
    assert known_at(client, school_auth, part_time, 5)["weeks_below"] == 6


@pytest.mark.parametrize("n", [0, 3, 5, 9])
def test_as_known_now_equals_the_plain_status(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    make_provider: Callable[..., dict[str, Any]],
    n: int,
) -> None:
    college = make_provider("Riverside College", "college")
    submit(client, officer, *(hours_from(school, k, 12 + k) for k in range(6)))
    submit(client, officer, *(hours_from(college, k, 6) for k in range(1, 4)))
    params = {"upn": CHILD, "week_commencing": week(2).isoformat(), "provider_id": college["id"]}
    assert client.delete(RECORDS, params=params, headers=officer).status_code == 204
    assert client.post(ENDS, json=end_of(college, 3, "other"), headers=officer).status_code == 201
    assert client.post(ENDS, json=end_of(school, 6, "other"), headers=officer).status_code == 201
    assert known_at(client, officer, now(), n) == status_of(client, officer, CHILD, week(n))


@pytest.mark.parametrize(
    "moment", ["yesterday", "2026-13-01T00:00:00Z", (datetime.now(UTC) + timedelta(days=1))]
)
def test_as_known_at_must_be_a_past_timestamp(
    client: TestClient, officer: Headers, school: dict[str, Any], moment: Any
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    value = moment.isoformat() if isinstance(moment, datetime) else moment
    response = client.get(f"/api/v1/pupils/{CHILD}", params={"as_known_at": value}, headers=officer)
    body = assert_problem(response, 422)
    assert [error["parameter"] for error in body["errors"]] == ["as_known_at"]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE provision_history SET action = 'created'", "DELETE FROM provision_history"],
)
def test_the_database_refuses_to_change_history(
    app: FastAPI, client: TestClient, officer: Headers, school: dict[str, Any], statement: str
) -> None:
    submit(client, officer, hours_from(school, 0, 10))
    with pytest.raises(DBAPIError, match="append-only"), app.state.sessionmaker.begin() as session:
        session.execute(text(statement))
    with app.state.sessionmaker() as session:
        assert session.scalar(text("SELECT count(*) FROM provision_history")) == 1
