"""The change feed: every change in commit order, and a mirror that follows it."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week
from tests.provision import RECORDS, Headers, assert_problem

CHANGES = "/api/v1/changes"
ENDS = "/api/v1/provision-ends"
CHILD, OTHER = make_upn(70), make_upn(71)


def read_feed(client: TestClient, auth: Headers, **params: Any) -> dict[str, Any]:
    given = {name: value for name, value in params.items() if value is not None}
    response = client.get(CHANGES, params=given, headers=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


def follow(
    client: TestClient, auth: Headers, cursor: str | None, limit: int = 2
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after a cursor, page by page until caught up, and where to continue."""
    changes: list[dict[str, Any]] = []
    while True:
        page = read_feed(client, auth, limit=limit, cursor=cursor)
        if not page["items"]:
            return changes, cursor
        changes += page["items"]
        cursor = page["cursor"]


def mirror(changes: list[dict[str, Any]]) -> dict[tuple[str, int, str], float]:
    """The records a mirror holds after applying the changes: key to hours."""
    records: dict[tuple[str, int, str], float] = {}
    for change in changes:
        key = (change["upn"], change["provider_id"], change["week_commencing"])
        if change["action"] in ("created", "replaced"):
            records[key] = change["record"]["hours"]
        elif change["action"] == "withdrawn":
            del records[key]
    return records


def test_a_mirror_following_the_feed_holds_every_record(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    _, start = follow(client, officer, None)
    submit(client, school_auth, record(CHILD, week_commencing=week(0), hours=10))
    submit(client, college_auth, record(CHILD, week_commencing=week(0), hours=5))
    submit(client, school_auth, record(CHILD, week_commencing=week(1), hours=12))
    submit(client, school_auth, record(CHILD, week_commencing=week(1), hours=15))
    submit(client, school_auth, record(OTHER, week_commencing=week(1), hours=20))
    params = {"upn": OTHER, "week_commencing": week(1).isoformat()}
    assert client.delete(RECORDS, params=params, headers=school_auth).status_code == 204

    changes, caught_up = follow(client, officer, start)

    assert mirror(changes) == {
        (CHILD, school["id"], week(0).isoformat()): 10.0,
        (CHILD, college["id"], week(0).isoformat()): 5.0,
        (CHILD, school["id"], week(1).isoformat()): 15.0,
    }
    assert [change["action"] for change in changes] == [
        "created",
        "created",
        "created",
        "replaced",
        "created",
        "withdrawn",
        "left_register",
    ]
    numbers = [(change["number"], change["id"]) for change in changes]
    assert numbers == sorted(numbers)
    assert read_feed(client, officer, after=caught_up)["items"] == []


def test_each_change_says_who_when_and_where_to_continue(
    client: TestClient, officer: Headers, school: dict[str, Any], school_auth: Headers
) -> None:
    _, start = follow(client, officer, None)
    before = datetime.now(UTC)
    submit(client, school_auth, record(CHILD, week_commencing=week(0), hours=10))
    end = {
        "upn": CHILD,
        "date_of_birth": "2013-05-01",
        "end_date": week(0).isoformat(),
        "end_reason": "returned_full_time",
        "provider_id": school["id"],
    }
    assert client.post(ENDS, json=end, headers=officer).status_code == 201

    page = read_feed(client, officer, after=start)
    created, ended, left = page["items"]
    assert created["upn"] == CHILD
    assert created["provider_id"] == school["id"]
    assert created["record"]["hours"] == 10.0
    assert datetime.fromisoformat(created["recorded_at"]) >= before
    assert created["client_id"] != ended["client_id"]  # the school, then the officer
    assert (ended["action"], ended["end_reason"], ended["end_date"]) == (
        "ended",
        "returned_full_time",
        week(0).isoformat(),
    )
    assert left["action"] == "left_register"
    assert page["after"] == left["cursor"]
    assert read_feed(client, officer, after=created["cursor"])["items"] == [ended, left]


def test_only_officers_read_the_feed_and_a_bad_cursor_is_named(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    assert_problem(client.get(CHANGES, headers=school_auth), 403)
    for parameter in ("cursor", "after"):
        response = client.get(CHANGES, params={parameter: "not-a-cursor"}, headers=officer)
        body = assert_problem(response, 422)
        assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_the_former_parameter_after_still_continues_the_feed(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    _, start = follow(client, officer, None)
    submit(client, school_auth, record(make_upn(72)), record(make_upn(73)))
    first = read_feed(client, officer, cursor=start, limit=1)
    assert first["after"] == first["cursor"] == first["items"][0]["cursor"]
    by_after = read_feed(client, officer, after=first["cursor"])
    by_cursor = read_feed(client, officer, cursor=first["cursor"])
    assert by_after["items"] and by_after["items"] == by_cursor["items"]
    assert by_after["cursor"] == by_cursor["cursor"] == by_after["items"][-1]["cursor"]
    # The next link names the position once, as `cursor`.
    query = parse_qs(urlsplit(by_after["next"]).query)
    assert "after" not in query and query["cursor"] == [by_after["cursor"]]
