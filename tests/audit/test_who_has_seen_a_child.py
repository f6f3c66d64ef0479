"""GET /audit?upn=…: every event that read, wrote or was refused one child, list reads and
refused calls included, so the LA can answer "who has seen this child, and when?"."""

from typing import Any

from fastapi.testclient import TestClient

from tests.audit.test_audit_trail import client_id_of, events
from tests.builders import MONDAY, make_upn, record, submit

Headers = dict[str, str]
CHILD, OTHER = make_upn(61), make_upn(62)


def touching(client: TestClient, admin: Headers, upn: str) -> list[tuple[str, int, str]]:
    return [
        (event["action"], event["status"], event["client_id"])
        for event in reversed(events(client, admin, upn=upn))
    ]


def test_every_read_of_a_child_is_answered_by_its_upn(
    client: TestClient,
    admin: Headers,
    officer: Headers,
    login_as: Any,
    school_auth: Headers,
    college_auth: Headers,
) -> None:
    submit(client, school_auth, record(CHILD, hours=5))
    submit(client, college_auth, record(OTHER, hours=5))
    as_at = {"as_at": MONDAY.isoformat()}
    inspector = login_as("inspector")
    reads = [
        ("/api/v1/register", officer, as_at),
        ("/api/v1/extracts/inspection", inspector, as_at),
        ("/api/v1/changes", officer, {}),
        ("/api/v1/provision-records", school_auth, {}),
        (f"/api/v1/pupils/{CHILD}", school_auth, {}),
        (f"/api/v1/pupils/{CHILD}/weeks", officer, {}),
        (f"/api/v1/pupils/{CHILD}/history", officer, {}),
    ]
    for path, caller, params in reads:
        assert client.get(path, params=params, headers=caller).status_code == 200, path
    # Refused: another provider asking for the child, and a clashing date of birth.
    assert client.get(f"/api/v1/pupils/{CHILD}", headers=college_auth).status_code == 404
    clash = record(CHILD, date_of_birth=MONDAY.replace(year=2014))
    refused = client.post("/api/v1/provision-records", json=clash, headers=college_auth)
    assert refused.status_code == 409
    school, college = client_id_of(school_auth), client_id_of(college_auth)
    officer_id, inspector_id = client_id_of(officer), client_id_of(inspector)
    assert touching(client, admin, CHILD) == [
        ("submit_provision_batch", 200, school),
        ("list_register", 200, officer_id),
        ("get_inspection_extract", 200, inspector_id),
        ("list_changes", 200, officer_id),
        ("list_provision_records", 200, school),
        ("get_pupil_status", 200, school),
        ("get_pupil_weeks", 200, officer_id),
        ("get_pupil_history", 200, officer_id),
        ("get_pupil_status", 404, college),
        ("submit_provision_record", 409, college),
    ]
    # The other child's events are its own: the school's listing never returned it.
    assert ("list_provision_records", 200, school) not in touching(client, admin, OTHER)


def test_a_child_is_found_by_a_former_upn(
    client: TestClient, admin: Headers, officer: Headers, school: dict[str, Any]
) -> None:
    submit(client, officer, record(CHILD, provider_id=school["id"]))
    moved = client.post(
        f"/api/v1/pupils/{CHILD}/upn-change", json={"new_upn": OTHER}, headers=officer
    )
    assert moved.status_code == 200, moved.text
    assert client.get(f"/api/v1/pupils/{OTHER}", headers=officer).status_code == 200
    expected = ["submit_provision_batch", "change_pupil_upn", "get_pupil_status"]
    for upn in (CHILD, OTHER):
        assert [action for action, _, _ in touching(client, admin, upn)] == expected


def test_anonymous_and_bad_credential_calls_are_recorded(
    client: TestClient, admin: Headers
) -> None:
    assert client.get("/api/v1/register", headers={"Authorization": "Bearer x"}).status_code == 401
    wrong = {"grant_type": "client_credentials", "client_id": "ghost", "client_secret": "nope"}
    assert client.post("/api/v1/auth/token", data=wrong).status_code == 401
    found = {(e["action"], e["status"], e["client_id"]) for e in events(client, admin)}
    assert ("list_register", 401, "") in found
    assert ("issue_token", 401, "ghost") in found
