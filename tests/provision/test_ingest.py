"""Submitting weekly provision over HTTP: create, replace, batches, who may write and read."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import MONDAY, make_temporary_upn, make_upn, record, week
from tests.provision import (
    Headers,
    assert_not_on_register,
    assert_problem,
    error_pointers,
    read_status,
    status_of,
    submit,
    submit_batch,
)

CHILD = make_upn(11)
BORN = date(2013, 5, 1)
OTHER_BIRTHDAY = date(2012, 1, 9)


@pytest.fixture
def pru(make_provider: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_provider("Elm Pupil Referral Unit", "pru", urn="100002")


@pytest.fixture
def pru_auth(login_as: Callable[..., Headers], pru: dict[str, Any]) -> Headers:
    return login_as("provider", pru["id"])


def provider_hours(status: dict[str, Any]) -> dict[int, float]:
    return {row["provider_id"]: row["hours"] for row in status["providers"]}


# --- one record: created, then replaced --------------------------------------------------


def test_a_new_record_is_201_and_the_same_key_again_is_200_with_the_new_hours(
    client: TestClient, school_auth: Headers, officer: Headers, school: dict[str, Any]
) -> None:
    first = submit(client, school_auth, record(CHILD, hours=10))
    assert first.status_code == 201, first.text
    assert first.json()["provider_id"] == school["id"]
    assert first.json()["hours"] == 10

    again = submit(client, school_auth, record(CHILD, hours=12.5))
    assert again.status_code == 200, again.text

    status = status_of(client, officer, CHILD)
    assert status["total_hours"] == 12.5
    assert provider_hours(status) == {school["id"]: 12.5}


def test_another_week_for_the_same_child_is_a_new_record(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD, hours=10)).status_code == 201
    assert (
        submit(client, school_auth, record(CHILD, week_commencing=week(1), hours=8)).status_code
        == 201
    )

    assert status_of(client, officer, CHILD, MONDAY)["total_hours"] == 10
    assert status_of(client, officer, CHILD, week(1))["total_hours"] == 8


def test_names_are_kept_for_officers_but_never_echoed_to_the_provider(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    response = submit(client, school_auth, record(CHILD, given_name="Ada", family_name="Lovelace"))
    assert response.status_code == 201, response.text
    assert "Lovelace" not in response.text

    status = status_of(client, officer, CHILD)
    assert (status["given_name"], status["family_name"]) == ("Ada", "Lovelace")


# --- batches -------------------------------------------------------------------------------


def three_children(hours: float = 10) -> list[dict[str, Any]]:
    return [record(make_upn(n), hours=hours + n) for n in (1, 2, 3)]


def test_a_batch_reports_what_it_received_created_and_replaced(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    response = submit_batch(client, school_auth, three_children())
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 3,
        "created": 3,
        "replaced": 0,
        "ended": 0,
        "warnings": [],
    }
    for n in (1, 2, 3):
        assert status_of(client, officer, make_upn(n))["total_hours"] == 10 + n


def test_resending_the_identical_batch_replaces_and_changes_no_totals(
    client: TestClient, school_auth: Headers, officer: Headers, school: dict[str, Any]
) -> None:
    assert submit_batch(client, school_auth, three_children()).status_code == 200
    before = [status_of(client, officer, make_upn(n)) for n in (1, 2, 3)]

    response = submit_batch(client, school_auth, three_children())
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 3,
        "created": 0,
        "replaced": 3,
        "ended": 0,
        "warnings": [],
    }

    after = [status_of(client, officer, make_upn(n)) for n in (1, 2, 3)]
    assert after == before
    assert all(provider_hours(status) == {school["id"]: status["total_hours"]} for status in after)


def test_a_batch_can_mix_new_and_replaced_records(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert submit_batch(client, school_auth, three_children()[:2]).status_code == 200

    response = submit_batch(client, school_auth, three_children(hours=20))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 3,
        "created": 1,
        "replaced": 2,
        "ended": 0,
        "warnings": [],
    }
    assert status_of(client, officer, make_upn(1))["total_hours"] == 21


def test_the_same_child_in_different_weeks_of_one_batch_is_fine(
    client: TestClient, school_auth: Headers
) -> None:
    records = [record(CHILD, week_commencing=week(n)) for n in (0, 1)]
    response = submit_batch(client, school_auth, records)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 2,
        "created": 2,
        "replaced": 0,
        "ended": 0,
        "warnings": [],
    }


def test_the_same_key_twice_in_one_batch_is_refused_at_the_second(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    records = [record(make_upn(1)), record(CHILD, hours=5), record(CHILD, hours=6)]
    body = assert_problem(submit_batch(client, school_auth, records), 422, "/records/2/upn")
    assert error_pointers(body) == ["/records/2/upn"]
    assert_not_on_register(client, officer, CHILD, make_upn(1))


# --- who may write as which provider -----------------------------------------------------------


def test_a_provider_may_name_itself(
    client: TestClient, school_auth: Headers, school: dict[str, Any]
) -> None:
    response = submit(client, school_auth, record(CHILD, provider_id=school["id"]))
    assert response.status_code == 201, response.text
    assert response.json()["provider_id"] == school["id"]


def test_a_provider_writing_as_another_provider_is_forbidden_and_nothing_is_stored(
    client: TestClient, school_auth: Headers, officer: Headers, pru: dict[str, Any]
) -> None:
    assert_problem(submit(client, school_auth, record(CHILD, provider_id=pru["id"])), 403)
    assert_not_on_register(client, officer, CHILD)


def test_one_record_as_another_provider_sinks_the_whole_batch(
    client: TestClient, school_auth: Headers, officer: Headers, pru: dict[str, Any]
) -> None:
    records = [record(make_upn(1)), record(CHILD, provider_id=pru["id"])]
    assert_problem(submit_batch(client, school_auth, records), 403)
    assert_not_on_register(client, officer, CHILD, make_upn(1))


def test_an_officer_submits_for_the_provider_it_names(
    client: TestClient, officer: Headers, pru: dict[str, Any]
) -> None:
    response = submit(client, officer, record(CHILD, provider_id=pru["id"], hours=7))
    assert response.status_code == 201, response.text
    assert response.json()["provider_id"] == pru["id"]
    assert provider_hours(status_of(client, officer, CHILD)) == {pru["id"]: 7}


def test_an_officer_who_names_no_provider_is_told_to(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    assert_problem(submit(client, officer, record(CHILD)), 422, "/provider_id")
    assert_not_on_register(client, officer, CHILD)


def test_an_officer_batch_points_at_the_record_without_a_provider(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    records = [record(make_upn(1), provider_id=school["id"]), record(CHILD)]
    body = assert_problem(submit_batch(client, officer, records), 422, "/records/1/provider_id")
    assert error_pointers(body) == ["/records/1/provider_id"]
    assert_not_on_register(client, officer, CHILD, make_upn(1))


def test_an_officer_naming_an_unknown_provider_is_refused(
    client: TestClient, officer: Headers, school: dict[str, Any]
) -> None:
    unknown = school["id"] + 1000
    assert_problem(submit(client, officer, record(CHILD, provider_id=unknown)), 422, "/provider_id")
    assert_not_on_register(client, officer, CHILD)


# --- who may read which child ----------------------------------------------------------------


def test_a_provider_reads_its_own_child_but_not_one_it_never_submitted(
    client: TestClient, school_auth: Headers, pru_auth: Headers, officer: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD)).status_code == 201

    assert status_of(client, school_auth, CHILD)["upn"] == CHILD
    assert_problem(read_status(client, pru_auth, CHILD), 404)
    assert status_of(client, officer, CHILD)["upn"] == CHILD


def test_a_child_the_provider_may_not_see_looks_like_one_that_does_not_exist(
    client: TestClient, school_auth: Headers, pru_auth: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD)).status_code == 201
    hidden = read_status(client, pru_auth, CHILD)
    absent = read_status(client, pru_auth, make_upn(99))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["title"] == absent.json()["title"]


def test_each_provider_sees_only_its_own_row_but_the_full_total(
    client: TestClient,
    school_auth: Headers,
    pru_auth: Headers,
    officer: Headers,
    school: dict[str, Any],
    pru: dict[str, Any],
) -> None:
    assert submit(client, school_auth, record(CHILD, hours=10)).status_code == 201
    assert submit(client, pru_auth, record(CHILD, hours=8, provision_type="pru")).status_code == 201

    as_school = status_of(client, school_auth, CHILD)
    as_pru = status_of(client, pru_auth, CHILD)
    as_officer = status_of(client, officer, CHILD)

    assert as_school["total_hours"] == as_pru["total_hours"] == as_officer["total_hours"] == 18
    assert provider_hours(as_school) == {school["id"]: 10}
    assert provider_hours(as_pru) == {pru["id"]: 8}
    assert provider_hours(as_officer) == {school["id"]: 10, pru["id"]: 8}


# --- dates of birth never change -------------------------------------------------------------


def test_a_different_date_of_birth_is_a_conflict_and_nothing_changes(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert (
        submit(client, school_auth, record(CHILD, hours=10, date_of_birth=BORN)).status_code == 201
    )

    clash = record(CHILD, hours=20, date_of_birth=OTHER_BIRTHDAY)
    assert_problem(submit(client, school_auth, clash), 409, "/date_of_birth")

    status = status_of(client, officer, CHILD)
    assert status["date_of_birth"] == BORN.isoformat()
    assert status["total_hours"] == 10
    assert status["data_quality"]["date_of_birth_conflicts"] == 1


def test_a_date_of_birth_conflict_in_a_batch_points_at_the_record_and_stores_nothing(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD, date_of_birth=BORN)).status_code == 201

    records = [
        record(make_upn(1)),
        record(CHILD, week_commencing=week(1), date_of_birth=OTHER_BIRTHDAY),
    ]
    body = assert_problem(submit_batch(client, school_auth, records), 409)
    assert error_pointers(body) == ["/records/1/date_of_birth"]

    assert_not_on_register(client, officer, make_upn(1))
    status = status_of(client, officer, CHILD, week(1))
    assert status["date_of_birth"] == BORN.isoformat()
    assert status["last_reported_week"] == MONDAY.isoformat()
    assert status["data_quality"]["date_of_birth_conflicts"] == 1


def test_a_provider_who_never_submitted_the_child_is_not_told_the_date_of_birth(
    client: TestClient,
    school_auth: Headers,
    pru_auth: Headers,
    officer: Headers,
    school: dict[str, Any],
) -> None:
    assert submit(client, school_auth, record(CHILD, date_of_birth=BORN)).status_code == 201

    response = submit(client, pru_auth, record(CHILD, date_of_birth=OTHER_BIRTHDAY))
    assert_problem(response, 409, "")
    for leak in (BORN.isoformat(), BORN.strftime("%d/%m/%Y"), BORN.strftime("%-d %B %Y")):
        assert leak not in response.text
    # The failed attempt gives the provider no foothold on the child either.
    assert_problem(read_status(client, pru_auth, CHILD), 404)
    assert provider_hours(status_of(client, officer, CHILD)) == {school["id"]: 10}


def test_a_provider_that_already_submits_for_the_child_may_be_told_the_date_held(
    client: TestClient, school_auth: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD, date_of_birth=BORN)).status_code == 201
    response = submit(client, school_auth, record(CHILD, date_of_birth=OTHER_BIRTHDAY))
    body = assert_problem(response, 409, "/date_of_birth")
    assert BORN.isoformat() in body["errors"][0]["detail"]


# --- which UPNs are accepted -----------------------------------------------------------------


def test_a_temporary_upn_is_accepted_and_flagged(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    upn = make_temporary_upn(4)
    response = submit(client, school_auth, record(upn))
    assert response.status_code == 201, response.text
    assert response.json()["temporary_upn"] is True
    assert status_of(client, officer, upn)["data_quality"]["temporary_upn"] is True


def test_a_permanent_upn_is_not_flagged_temporary(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD)).json()["temporary_upn"] is False
    assert status_of(client, officer, CHILD)["data_quality"]["temporary_upn"] is False


@pytest.mark.parametrize("la", [838, 839, 940, 941, 942, 943, 660, 681])
def test_upns_from_new_english_and_welsh_las_are_accepted(
    client: TestClient, school_auth: Headers, officer: Headers, la: int
) -> None:
    upn = make_upn(5, la=la)
    response = submit(client, school_auth, record(upn))
    assert response.status_code == 201, response.text
    assert status_of(client, officer, upn)["upn"] == upn


def test_a_lowercase_spaced_upn_is_stored_in_its_standard_form(
    client: TestClient, school_auth: Headers, officer: Headers
) -> None:
    typed = f"{CHILD[:4].lower()} {CHILD[4:8]} {CHILD[8:].lower()}"
    response = submit(client, school_auth, record(typed))
    assert response.status_code == 201, response.text
    assert response.json()["upn"] == CHILD
    # The same child, not a second one: sending the standard form replaces the record.
    assert submit(client, school_auth, record(CHILD)).status_code == 200
    assert status_of(client, officer, CHILD)["upn"] == CHILD
