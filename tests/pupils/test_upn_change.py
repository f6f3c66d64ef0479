"""Changing a child's UPN: the records follow, the old UPN still finds the child, and a child
on the register under two UPNs becomes one."""

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import make_temporary_upn, make_upn, record, submit, week
from tests.changes.test_feed import follow
from tests.provision import RECORDS, Headers, assert_problem, status_of

TEMPORARY, PERMANENT, STRANGER = make_temporary_upn(5), make_upn(90), make_upn(91)


def change(client: TestClient, auth: Headers, upn: str, new_upn: str) -> Any:
    return client.post(f"/api/v1/pupils/{upn}/upn-change", json={"new_upn": new_upn}, headers=auth)


def counts(client: TestClient, officer: Headers) -> tuple[int, int]:
    summary = client.get("/api/v1/summary", params={"as_at": week(1).isoformat()}, headers=officer)
    register = client.get(
        "/api/v1/register", params={"as_at": week(1).isoformat()}, headers=officer
    )
    assert summary.status_code == register.status_code == 200
    return summary.json()["children_on_register"], len(register.json()["items"])


def test_a_temporary_upn_becomes_permanent_and_still_finds_the_child(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    submit(client, school_auth, record(TEMPORARY, week_commencing=week(0), hours=10))
    response = change(client, officer, TEMPORARY, PERMANENT)
    assert response.status_code == 200, response.text
    assert response.json() == {"upn": PERMANENT, "previous_upns": [TEMPORARY], "merged": False}

    now = status_of(client, officer, PERMANENT, week(0))
    assert (now["upn"], now["previous_upns"], now["total_hours"]) == (PERMANENT, [TEMPORARY], 10.0)
    assert now["data_quality"]["temporary_upn"] is False
    assert status_of(client, officer, TEMPORARY, week(0)) == now
    weeks = client.get(f"/api/v1/pupils/{TEMPORARY}/weeks", headers=officer)
    assert weeks.status_code == 200 and weeks.json()["upn"] == PERMANENT
    history = client.get(f"/api/v1/pupils/{TEMPORARY}/history", headers=officer).json()
    latest = history["items"][0]
    assert (latest["action"], latest["old_upn"], latest["new_upn"], latest["merged"]) == (
        "upn_changed",
        TEMPORARY,
        PERMANENT,
        False,
    )
    assert [item["action"] for item in history["items"]] == ["upn_changed", "created"]


def test_one_child_under_two_upns_is_merged_and_counted_once(
    client: TestClient, officer: Headers, school_auth: Headers, college_auth: Headers
) -> None:
    _, start = follow(client, officer, None)
    submit(client, school_auth, record(TEMPORARY, week_commencing=week(0), hours=10))
    submit(client, school_auth, record(TEMPORARY, week_commencing=week(1), hours=10))
    submit(client, college_auth, record(PERMANENT, week_commencing=week(1), hours=8))
    assert counts(client, officer) == (2, 2)

    response = change(client, officer, TEMPORARY, PERMANENT)
    assert response.status_code == 200, response.text
    assert response.json()["merged"] is True

    assert counts(client, officer) == (1, 1)
    merged = status_of(client, officer, TEMPORARY, week(1))
    assert (merged["upn"], merged["total_hours"], merged["previous_upns"]) == (
        PERMANENT,
        18.0,
        [TEMPORARY],
    )
    history = client.get(f"/api/v1/pupils/{PERMANENT}/history", headers=officer).json()["items"]
    assert sorted(item["action"] for item in history) == [
        "created",
        "created",
        "created",
        "upn_changed",
    ]
    changes, _ = follow(client, officer, start)
    assert changes[-1]["action"] == "upn_changed"
    assert (changes[-1]["old_upn"], changes[-1]["new_upn"]) == (TEMPORARY, PERMANENT)
    # Every change, earlier ones too, names the child by the UPN it has now.
    assert {item["upn"] for item in changes} == {PERMANENT}
    # The school, which sent only under the temporary UPN, still sees the child.
    assert status_of(client, school_auth, PERMANENT, week(1))["upn"] == PERMANENT
    # What it sent is listed under the new UPN, once, however it is sent again.
    submit(client, school_auth, record(PERMANENT, week_commencing=week(1), hours=12))
    sent = client.get(RECORDS, headers=school_auth).json()["items"]
    assert [(item["upn"], item["week_commencing"], item["hours"]) for item in sent] == [
        (PERMANENT, week(1).isoformat(), 12.0),
        (PERMANENT, week(0).isoformat(), 10.0),
    ]


def test_a_record_sent_again_under_the_merged_upn_is_listed_once(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    # The surviving child's record was withdrawn, then sent under the other UPN: after the
    # merge the version under the merged child is the record's latest, and the only one listed.
    submit(client, school_auth, record(PERMANENT, week_commencing=week(0), hours=5))
    withdrawn = client.delete(
        RECORDS,
        params={"upn": PERMANENT, "week_commencing": week(0).isoformat()},
        headers=school_auth,
    )
    assert withdrawn.status_code == 204, withdrawn.text
    # Another child's record of the same week, sent before: no version of the merged child's
    # is a later version of it.
    other = make_upn(93)
    submit(client, school_auth, record(other, week_commencing=week(0), hours=7))
    submit(client, school_auth, record(TEMPORARY, week_commencing=week(0), hours=10))
    assert change(client, officer, TEMPORARY, PERMANENT).json()["merged"] is True

    sent = client.get(RECORDS, params={"include_withdrawn": True}, headers=school_auth)
    assert [
        (item["upn"], item["week_commencing"], item["hours"], item["withdrawn"])
        for item in sent.json()["items"]
    ] == [(PERMANENT, week(0).isoformat(), 10.0, False), (other, week(0).isoformat(), 7.0, False)]


def test_what_cannot_be_changed(client: TestClient, officer: Headers, school_auth: Headers) -> None:
    submit(client, school_auth, record(TEMPORARY, week_commencing=week(0), hours=10))
    submit(client, school_auth, record(PERMANENT, week_commencing=week(0), hours=5))
    born_later = record(STRANGER, week_commencing=week(1), date_of_birth=week(-400))
    submit(client, school_auth, born_later)

    assert_problem(change(client, officer, TEMPORARY, "B80120000500"), 422, "/new_upn")
    assert_problem(change(client, officer, make_upn(99), PERMANENT), 404)
    assert_problem(change(client, school_auth, TEMPORARY, PERMANENT), 403)
    other_child = assert_problem(change(client, officer, TEMPORARY, STRANGER), 409)
    assert TEMPORARY in other_child["detail"] and STRANGER in other_child["detail"]
    same_week = assert_problem(change(client, officer, TEMPORARY, PERMANENT), 409)
    assert TEMPORARY in same_week["detail"] and PERMANENT in same_week["detail"]

    assert status_of(client, officer, TEMPORARY, week(0))["previous_upns"] == []
    assert status_of(client, officer, PERMANENT, week(0))["total_hours"] == 5.0


def test_a_merged_child_is_judged_as_if_sent_under_one_upn(
    client: TestClient, officer: Headers, school_auth: Headers, college_auth: Headers
) -> None:
    control = make_upn(92)
    for upn_for_school, upn_for_college in ((TEMPORARY, PERMANENT), (control, control)):
        submit(client, school_auth, record(upn_for_school, week_commencing=week(0), hours=10))
        submit(client, college_auth, record(upn_for_college, week_commencing=week(1), hours=8))
        submit(client, school_auth, record(upn_for_school, week_commencing=week(2), hours=9))
    assert change(client, officer, TEMPORARY, PERMANENT).status_code == 200

    def judged(upn: str) -> Any:
        weeks = client.get(
            f"/api/v1/pupils/{upn}/weeks",
            params={"from": week(0).isoformat(), "to": week(4).isoformat()},
            headers=officer,
        )
        status = status_of(client, officer, upn, week(4))
        for varying in ("upn", "previous_upns", "given_name", "family_name"):
            status.pop(varying, None)
        return weeks.json()["weeks"], status

    assert judged(PERMANENT) == judged(control)
    assert counts(client, officer) == (2, 2)
