"""No probing of the register: a provider cannot learn, faster than one guess at a time under
a daily limit, whether a child it never sent is on the register or what its date of birth is."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import make_upn, record, week
from tests.provision import Headers, assert_problem, status_of, submit, submit_batch

BORN, WRONG = date(2013, 5, 1), date(2012, 1, 1)
OWN, THEIRS = make_upn(901), make_upn(902)
CANDIDATES = [make_upn(n) for n in range(1, 900)]  # THEIRS is among the guesses below


def test_a_batch_of_candidate_upns_beside_a_clash_reveals_nothing(
    client: TestClient, school_auth: Headers, college_auth: Headers
) -> None:
    assert submit(client, school_auth, record(OWN, date_of_birth=BORN)).status_code == 201
    assert submit(client, college_auth, record(THEIRS, date_of_birth=BORN)).status_code == 201
    clash = record(OWN, date_of_birth=WRONG, week_commencing=week(1))

    def answer(candidates: list[str]) -> Any:
        batch = [clash] + [record(upn, date_of_birth=WRONG) for upn in candidates]
        return assert_problem(submit_batch(client, school_auth, batch), 409).get("errors")

    with_child = answer([*CANDIDATES[:400], THEIRS, *CANDIDATES[400:]])
    without_child = answer([*CANDIDATES, make_upn(950)])
    assert with_child == without_child  # on 3da8359 the first also named /records/401
    assert [error["pointer"] for error in with_child] == ["/records/0/date_of_birth"]


def test_a_clash_on_a_child_never_sent_names_no_record(
    client: TestClient, school_auth: Headers, college_auth: Headers
) -> None:
    assert submit(client, college_auth, record(THEIRS, date_of_birth=BORN)).status_code == 201
    batch = [record(make_upn(903)), record(THEIRS, date_of_birth=WRONG)]
    body = assert_problem(submit_batch(client, school_auth, batch), 409)
    assert [error["pointer"] for error in body["errors"]] == ["/records"]
    assert THEIRS not in str(body) and BORN.isoformat() not in str(body)


def test_past_its_daily_clashes_a_provider_may_send_only_children_it_sent_before(
    client: TestClient, school_auth: Headers, college_auth: Headers, officer: Headers
) -> None:
    budget = client.app.state.settings.conflict_budget  # type: ignore[attr-defined]
    own = [make_upn(700 + n) for n in range(budget)]
    submit_batch(client, school_auth, [record(upn, date_of_birth=BORN) for upn in own])
    assert submit(client, college_auth, record(THEIRS, date_of_birth=BORN)).status_code == 201
    clashes = [record(upn, date_of_birth=WRONG, week_commencing=week(1)) for upn in own]
    assert_problem(submit_batch(client, school_auth, clashes), 409)
    # A child on the register and one nowhere on it are refused alike, with no name.
    on_register = submit(client, school_auth, record(THEIRS, date_of_birth=BORN))
    nowhere = submit(client, school_auth, record(make_upn(904), date_of_birth=BORN))
    for refused in (on_register, nowhere):
        body = assert_problem(refused, 429)
        assert int(refused.headers["retry-after"]) > 0
    assert on_register.json()["detail"] == nowhere.json()["detail"]
    # Its own children are still accepted, and the refusals stored nothing.
    resent = submit(client, school_auth, record(own[0], date_of_birth=BORN, hours=3))
    assert resent.status_code == 200, resent.text
    assert len(status_of(client, officer, THEIRS)["providers"]) == 1
    assert body["type"] == "/problems/too-many-requests"


def test_a_provider_sees_only_its_own_hours_and_the_judgement(
    client: TestClient, school_auth: Headers, college_auth: Headers, school: dict[str, Any]
) -> None:
    assert submit(client, school_auth, record(OWN, hours=10)).status_code == 201
    assert submit(client, college_auth, record(OWN, hours=6)).status_code == 201
    seen = status_of(client, school_auth, OWN)
    assert seen["providers"] == [
        {"provider_id": school["id"], "hours": 10.0, "provision_type": "alternative_provision"}
    ]
    assert (seen["total_hours"], seen["below_threshold"]) == (16.0, True)
