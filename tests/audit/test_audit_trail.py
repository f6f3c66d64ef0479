"""Every read and write of children's data is recorded, and the record cannot be changed."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit.service import Touched, named_in_batches, record_event
from app.models import AuditChild
from tests.builders import make_upn, record, submit, week

Headers = dict[str, str]


def client_id_of(headers: Headers) -> str:
    return str(jwt.get_unverified_claims(headers["Authorization"].removeprefix("Bearer "))["sub"])


def events(client: TestClient, admin: Headers, **filters: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit", params=filters, headers=admin)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_an_officers_extract_is_logged_with_the_number_of_children(
    client: TestClient, admin: Headers, officer: Headers, school: dict[str, Any]
) -> None:
    listed = [record(make_upn(n), hours=5, provider_id=school["id"]) for n in range(3)]
    full_time = record(
        make_upn(3), hours=25, provision_type="mainstream_school", provider_id=school["id"]
    )
    submit(client, officer, *listed, full_time)
    response = client.get(
        "/api/v1/extracts/inspection", params={"as_at": week(0).isoformat()}, headers=officer
    )
    assert response.status_code == 200
    assert {item["upn"] for item in response.json()["items"]} == {r["upn"] for r in listed}
    [event] = events(client, admin, action="get_inspection_extract")
    # The trail names each child the extract listed, and no other.
    for child in listed:
        assert event in events(client, admin, upn=child["upn"])
    assert event not in events(client, admin, upn=full_time["upn"])
    assert (event["client_id"], event["role"], event["children"]) == (
        client_id_of(officer),
        "la_officer",
        3,
    )
    assert event["query"] == {"as_at": week(0).isoformat()}
    [write] = events(client, admin, action="submit_provision_batch")
    assert write["children"] == 4 and write["method"] == "POST"
    assert client.get("/api/v1/extracts/inspection.csv", headers=officer).status_code == 200
    [as_csv] = events(client, admin, action="get_inspection_extract_csv")
    assert as_csv["children"] == 3


def test_a_streamed_answer_names_each_batch_before_sending_it(app: FastAPI) -> None:
    """An extract names its children batch by batch as it streams (PostgreSQL): each batch is
    in the trail before any of its rows leaves, and a reader who stops early is named for
    what was sent, not for the rest."""
    make_session = app.state.sessionmaker
    with make_session.begin() as session:
        event = record_event(
            session,
            client_id="inspector",
            role="inspector",
            pupil_ids=(),
            action="get_inspection_extract",
            method="GET",
            path="/api/v1/extracts/inspection",
            query={},
            status=200,
            address=None,
            count=5,
        )

    def named() -> set[int]:
        with make_session() as session:
            return set(
                session.scalars(select(AuditChild.pupil_id).where(AuditChild.event_id == event.id))
            )

    sent = named_in_batches(make_session, Touched(event=event), iter(range(1, 6)), int, batch=2)
    assert named() == set()  # nothing is named before the answer starts
    assert [next(sent), next(sent)] == [1, 2]
    assert named() == {1, 2}
    assert next(sent) == 3
    assert named() == {1, 2, 3, 4}
    sent.close()  # the reader went away
    assert named() == {1, 2, 3, 4}


def test_the_trail_pages_by_cursor_and_by_the_former_before_id(
    client: TestClient, admin: Headers, officer: Headers
) -> None:
    for _ in range(3):
        assert client.get("/api/v1/register", headers=officer).status_code == 200
    first = client.get("/api/v1/audit", params={"limit": 2}, headers=admin).json()
    assert parse_qs(urlsplit(first["next"]).query)["cursor"] == [first["cursor"]]
    second = client.get(
        "/api/v1/audit", params={"limit": 2, "cursor": first["cursor"]}, headers=admin
    ).json()
    before_id = first["items"][-1]["id"]
    former = client.get(
        "/api/v1/audit", params={"limit": 2, "before_id": before_id}, headers=admin
    ).json()
    assert second["items"] == former["items"] and second["items"][0]["id"] < before_id
    assert "before_id" not in former["next"]


def test_reading_a_child_records_who_and_which_child(
    client: TestClient, admin: Headers, school_auth: Headers
) -> None:
    upn = make_upn(5)
    submit(client, school_auth, record(upn))
    assert client.get(f"/api/v1/pupils/{upn}", headers=school_auth).status_code == 200
    [event] = events(client, admin, action="get_pupil_status", client_id=client_id_of(school_auth))
    assert event["path"] == f"/api/v1/pupils/{upn}" and event["children"] == 1


def test_a_refused_read_is_recorded_with_its_status_and_address(
    client: TestClient, admin: Headers, login_as: Callable[..., Headers]
) -> None:
    inspector = login_as("inspector")
    assert client.get("/api/v1/register", headers=inspector).status_code == 403
    [event] = events(client, admin, client_id=client_id_of(inspector))
    assert (event["action"], event["status"], event["children"]) == ("list_register", 403, 0)
    assert event["address"] == "testclient"
    # An RFC 3339 time with its zone, as the description says (naive on SQLite before).
    assert datetime.fromisoformat(event["occurred_at"]).utcoffset() is not None


def test_only_admins_read_the_audit_trail(client: TestClient, officer: Headers) -> None:
    assert client.get("/api/v1/audit", headers=officer).status_code == 403


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET children = 0", "DELETE FROM audit_events"]
)
def test_the_database_refuses_to_change_the_trail(
    app: FastAPI, client: TestClient, officer: Headers, statement: str
) -> None:
    client.get("/api/v1/register", headers=officer)
    with pytest.raises(DBAPIError, match="append-only"), app.state.sessionmaker.begin() as session:
        session.execute(text(statement))
    with app.state.sessionmaker() as session:
        assert session.scalar(text("SELECT count(*) FROM audit_events")) >= 1


def test_a_calendar_change_records_how_many_children_it_re_judged(
    client: TestClient, admin: Headers, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, *(record(make_upn(n), provider_id=school["id"]) for n in range(2)))
    calendar = {"terms": [{"name": "Autumn", "start_date": "2026-09-01", "end_date": "2026-12-18"}]}
    assert client.put("/api/v1/calendar", json=calendar, headers=officer).status_code == 200
    [event] = events(client, admin, action="replace_calendar")
    assert event["children"] == 2
