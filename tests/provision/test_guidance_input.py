"""Rules 13 and 14 at the door: part-time timetables, implausible and future weeks, and the
parent's agreement, each refused or warned about by field."""

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.inputs import today
from app.provision.schemas import ProvisionRecordIn
from app.register.rules import monday_of
from tests.builders import make_upn, record, week
from tests.provision import RECORDS, Headers, assert_problem, submit, submit_batch

CHILD = make_upn(90)


def test_a_part_time_timetable_without_its_dates_is_stored_with_a_warning_for_each(
    client: TestClient, school_auth: Headers
) -> None:
    sent = record(CHILD, reasons=["part_time_timetable"], timetable_review_date="2026-10-05")
    response = submit(client, school_auth, sent)
    assert response.status_code == 201, response.text
    assert [w["pointer"] for w in response.json()["warnings"]] == [
        "/timetable_end_date",
        "/parent_agreed_on",
    ]
    agreed = sent | {"timetable_end_date": "2026-12-18", "parent_agreed_on": "2026-09-04"}
    response = submit(client, school_auth, agreed)
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == []
    assert response.json()["parent_agreed_on"] == "2026-09-04"


def test_a_week_adding_up_to_more_than_a_week_can_hold_is_stored_with_a_warning(
    client: TestClient, school_auth: Headers, college_auth: Headers
) -> None:
    assert submit(client, school_auth, record(CHILD, hours=32.5)).json()["warnings"] == []
    response = submit_batch(client, college_auth, [record(CHILD, hours=30)])
    assert response.status_code == 200, response.text
    [warning] = response.json()["warnings"]
    assert warning["pointer"] == "/records/0/hours"
    assert "62.50" in warning["detail"]


def test_bad_attendance_future_weeks_and_late_agreement_are_refused_by_field(
    client: TestClient, officer: Headers, school_auth: Headers
) -> None:
    next_week = monday_of(today()) + timedelta(weeks=1)
    records: list[dict[str, Any]] = [
        record(CHILD, hours=10, hours_attended=12),
        record(CHILD, week_commencing=week(1), hours=10, hours_attended=-1),
        record(CHILD, week_commencing=next_week),
        record(
            CHILD,
            week_commencing=week(2),
            parent_agreed_on=(week(2) + timedelta(days=7)).isoformat(),
        ),
    ]
    assert_problem(
        submit_batch(client, school_auth, records),
        422,
        "/records/0/hours_attended",
        "/records/1/hours_attended",
        "/records/2/week_commencing",
        "/records/3/parent_agreed_on",
    )
    assert_problem(submit(client, school_auth, records[2]), 422, "/week_commencing")
    # Nothing was stored.
    listed = client.get(RECORDS, headers=officer)
    assert listed.json()["items"] == []
    # The week's own Sunday is not after the week; this week is not in the future.
    on_sunday = record(CHILD, parent_agreed_on=(week(0) + timedelta(days=6)).isoformat())
    assert submit(client, school_auth, on_sunday).status_code == 201
    this_week = record(CHILD, week_commencing=monday_of(today()), date_of_birth=date(2013, 5, 1))
    assert submit(client, school_auth, this_week).status_code == 201


@given(st.integers(-30, 30), st.integers(-20, 5))
def test_agreement_and_weeks_are_judged_against_the_week_and_today(
    agreed_after: int, weeks_ahead: int
) -> None:
    monday = monday_of(today()) + timedelta(weeks=weeks_ahead)
    fields = record(CHILD, week_commencing=monday) | {
        "parent_agreed_on": (monday + timedelta(days=agreed_after)).isoformat()
    }
    try:
        ProvisionRecordIn.model_validate(fields)
        refused = set()
    except ValidationError as error:
        refused = {str(e["loc"][0]) for e in error.errors()}
    expected = set()
    if weeks_ahead > 0:
        expected.add("week_commencing")
    elif agreed_after > 6:
        expected.add("parent_agreed_on")
    assert refused == expected
