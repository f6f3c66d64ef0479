"""A provider lists what it has sent; LA officers list anyone's."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import make_upn, record, submit, week
from tests.provision import RECORDS, Headers, assert_problem

FIRST, SECOND = make_upn(80), make_upn(81)


def listing(client: TestClient, auth: Headers, **params: Any) -> dict[str, Any]:
    response = client.get(RECORDS, params=params, headers=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str, float, bool]]:
    return [
        (item["upn"], item["week_commencing"], item["hours"], item["withdrawn"]) for item in items
    ]


def test_a_provider_lists_its_own_records_newest_change_first(
    client: TestClient,
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    submit(client, school_auth, record(FIRST, week_commencing=week(0), hours=10))
    submit(client, college_auth, record(FIRST, week_commencing=week(0), hours=5))
    submit(client, school_auth, record(SECOND, week_commencing=week(1), hours=8))
    submit(client, school_auth, record(FIRST, week_commencing=week(0), hours=12))

    body = listing(client, school_auth)
    assert keys(body["items"]) == [
        (FIRST, week(0).isoformat(), 12.0, False),
        (SECOND, week(1).isoformat(), 8.0, False),
    ]
    item = body["items"][0]
    assert item["provision_type"] == "alternative_provision"
    assert "given_name" not in item and "family_name" not in item
    assert body["next"] is None
    assert_problem(
        client.get(RECORDS, params={"provider_id": college["id"]}, headers=school_auth), 403
    )


def test_withdrawn_records_are_listed_when_asked(client: TestClient, school_auth: Headers) -> None:
    submit(client, school_auth, record(FIRST, week_commencing=week(0), hours=10))
    submit(client, school_auth, record(FIRST, week_commencing=week(1), hours=11))
    params = {"upn": FIRST, "week_commencing": week(0).isoformat()}
    assert client.delete(RECORDS, params=params, headers=school_auth).status_code == 204

    assert keys(listing(client, school_auth)["items"]) == [
        (FIRST, week(1).isoformat(), 11.0, False)
    ]
    assert keys(listing(client, school_auth, include_withdrawn=True)["items"]) == [
        (FIRST, week(0).isoformat(), 10.0, True),
        (FIRST, week(1).isoformat(), 11.0, False),
    ]


def test_officers_filter_by_provider_week_and_time_and_follow_next(
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    school_auth: Headers,
    college: dict[str, Any],
    college_auth: Headers,
) -> None:
    submit(client, school_auth, record(FIRST, week_commencing=week(0), hours=10))
    since = datetime.now(UTC)
    submit(client, college_auth, record(FIRST, week_commencing=week(0), hours=5))
    submit(client, school_auth, record(SECOND, week_commencing=week(1), hours=8))

    mine = listing(client, officer, provider_id=school["id"])["items"]
    assert [item["provider_id"] for item in mine] == [school["id"], school["id"]]
    assert keys(listing(client, officer, week_commencing=week(1).isoformat())["items"]) == [
        (SECOND, week(1).isoformat(), 8.0, False)
    ]
    recent = listing(client, officer, updated_since=since.isoformat())["items"]
    assert [item["hours"] for item in recent] == [8.0, 5.0]

    page = listing(client, officer, limit=1)
    seen = page["items"]
    while page["next"] is not None:
        response = client.get(page["next"], headers=officer)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
    assert [item["hours"] for item in seen] == [8.0, 5.0, 10.0]


def test_csv_and_bad_input(client: TestClient, officer: Headers, school_auth: Headers) -> None:
    submit(
        client,
        school_auth,
        record(FIRST, week_commencing=week(0), hours=10, reasons=["medical", "other"]),
    )
    response = client.get(RECORDS, headers=officer | {"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["upn"], row["hours"], row["reasons"], row["withdrawn"]) == (
        FIRST,
        "10.0",
        "medical;other",
        "false",
    )
    body = assert_problem(client.get(RECORDS, params={"cursor": "nonsense"}, headers=officer), 422)
    assert [error["parameter"] for error in body["errors"]] == ["cursor"]


def test_every_child_of_one_batch_is_listed(client: TestClient, school_auth: Headers) -> None:
    children = [make_upn(serial) for serial in range(82, 86)]
    submit(client, school_auth, *(record(upn, week_commencing=week(0)) for upn in children))

    body = listing(client, school_auth, week_commencing=week(0).isoformat())
    assert sorted(item["upn"] for item in body["items"]) == sorted(children)


def test_every_child_sent_for_the_same_week_is_listed(
    client: TestClient, school_auth: Headers
) -> None:
    submit(client, school_auth, record(FIRST, hours=10), record(SECOND, hours=8))
    body = listing(client, school_auth, week_commencing=week(0).isoformat())
    assert sorted(keys(body["items"])) == [
        (FIRST, week(0).isoformat(), 10, False),
        (SECOND, week(0).isoformat(), 8, False),
    ]
