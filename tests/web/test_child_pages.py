"""The officer's pages over data sent through the API: the register, a child, its actions."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import AuditEvent, ProvisionEnd, ProvisionRecord, Pupil
from tests.builders import make_upn, record, submit, week
from tests.conftest import form_token, sign_in

UPN = make_upn(1)
OTHER = make_upn(2)


@pytest.fixture
def children(client: TestClient, school: dict[str, Any], school_auth: dict[str, str]) -> None:
    """Two children from Oak Primary School: one below full time for three weeks, one full
    time."""
    for n in range(3):
        submit(
            client,
            school_auth,
            record(
                UPN, week_commencing=week(n), hours=10, given_name="Ada", family_name="Lovelace"
            ),
            record(OTHER, week_commencing=week(n), hours=25, provision_type="mainstream_school"),
        )


def test_the_register_lists_filters_searches_and_downloads(
    officer_browser: TestClient, children: None
) -> None:
    page = officer_browser.get("/register", params={"week": week(2).isoformat()})
    assert page.status_code == 200
    assert "2 children on the register match" in page.text
    assert "Oak Primary School (10.00)" in page.text  # providers by name, not number
    below = officer_browser.get("/register", params={"week": week(2).isoformat(), "below": "true"})
    assert "1 child on the register matches" in below.text
    assert f"/children/{UPN}" in below.text
    assert f"/children/{OTHER}" not in below.text
    found = officer_browser.get("/register", params={"week": week(2).isoformat(), "q": "lovel"})
    assert "1 child on the register matches" in found.text
    by_upn = officer_browser.get(
        "/register", params={"week": week(2).isoformat(), "q": OTHER.lower()}
    )
    assert f"/children/{OTHER}" in by_upn.text
    # Filters left on "Any" arrive empty and narrow nothing.
    anything = officer_browser.get(
        "/register",
        params={"week": week(2).isoformat(), "provider": "", "reason": "", "year_group": ""},
    )
    assert "2 children on the register match" in anything.text
    csv = officer_browser.get("/register", params={"week": week(2).isoformat(), "format": "true"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("upn,total_hours")
    assert len(csv.text.splitlines()) == 3


def test_a_register_filter_that_is_not_one_is_an_error_page(officer_browser: TestClient) -> None:
    response = officer_browser.get("/register", params={"year_group": "99"})
    assert response.status_code == 404
    assert "govuk-heading-l" in response.text
    assert "Traceback" not in response.text


def test_a_childs_page_shows_status_providers_chart_and_history(
    app: FastAPI, officer_browser: TestClient, children: None
) -> None:
    page = officer_browser.get(f"/children/{UPN}", params={"week": week(2).isoformat()})
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">Ada Lovelace</h1>' in page.text
    assert "Oak Primary School: 10.00 hours" in page.text
    assert "since 7 September 2026, 3 term weeks" in page.text
    assert '<svg class="register-chart"' in page.text
    assert "Weekly hours by provider" in page.text  # the table beside the chart
    assert "Created: Oak Primary School" in page.text


def test_a_page_asked_for_a_upn_that_is_not_one_is_a_not_found_page(
    officer_browser: TestClient,
) -> None:
    response = officer_browser.get("/children/not-a-upn")
    assert response.status_code == 404
    assert "is not a UPN" in response.text
    unknown = officer_browser.get(f"/children/{make_upn(99)}")
    assert unknown.status_code == 404


def test_an_officer_ends_a_provision_by_form(
    app: FastAPI, officer_browser: TestClient, children: None
) -> None:
    page = officer_browser.get(f"/children/{UPN}")
    sent = {"csrf_token": form_token(page.text), "end_date": "", "end_reason": ""}
    refused = officer_browser.post(f"/children/{UPN}/end", data=sent)
    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert '<a href="#end_date">' in refused.text
    assert '<a href="#end_reason">' in refused.text
    sent |= {"end_date": week(2).isoformat(), "end_reason": "returned_full_time"}
    done = officer_browser.post(f"/children/{UPN}/end", data=sent)
    assert done.status_code == 200
    assert "The provision was ended." in done.text
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ProvisionEnd)) == 1


def test_a_form_without_its_csrf_token_changes_nothing(
    app: FastAPI,
    officer_browser: TestClient,
    browser_for: Callable[..., TestClient],
    children: None,
) -> None:
    sent = {"end_date": week(2).isoformat(), "end_reason": "returned_full_time"}
    assert officer_browser.post(f"/children/{UPN}/end", data=sent).status_code == 403
    # Another person's token is stale for this session.
    other = browser_for("la_officer")
    stale = form_token(other.get(f"/children/{UPN}").text)
    response = officer_browser.post(f"/children/{UPN}/end", data=sent | {"csrf_token": stale})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(ProvisionEnd)) == 0


def test_an_officer_withdraws_a_record_and_changes_a_upn(
    app: FastAPI, officer_browser: TestClient, children: None
) -> None:
    page = officer_browser.get(f"/children/{UPN}", params={"week": week(2).isoformat()})
    token = form_token(page.text)
    with app.state.sessionmaker() as session:
        school_id = session.scalar(select(ProvisionRecord.provider_id).limit(1))
    chosen = f"{school_id}/{week(2).isoformat()}"
    done = officer_browser.post(
        f"/children/{UPN}/withdraw", data={"csrf_token": token, "record": chosen}
    )
    assert "The record was withdrawn" in done.text
    bad = officer_browser.post(
        f"/children/{UPN}/upn-change", data={"csrf_token": token, "new_upn": "X12"}
    )
    assert bad.status_code == 400
    assert '<a href="#new_upn">' in bad.text
    new = make_upn(3)
    moved = officer_browser.post(
        f"/children/{UPN}/upn-change", data={"csrf_token": token, "new_upn": new}
    )
    assert moved.url.path == f"/children/{new}"
    with app.state.sessionmaker() as session:
        assert session.scalar(select(Pupil.upn).where(Pupil.family_name == "Lovelace")) == new
        assert session.scalar(select(func.count()).select_from(ProvisionRecord)) == 5


def test_an_inspector_cannot_open_a_child_or_send_its_forms(
    browser_for: Callable[..., TestClient], children: None
) -> None:
    inspector = browser_for("inspector")
    assert inspector.get(f"/children/{UPN}").status_code == 403
    sent = {"csrf_token": "x", "end_date": week(2).isoformat(), "end_reason": "other"}
    assert inspector.post(f"/children/{UPN}/end", data=sent).status_code == 403


def test_reading_a_child_is_audited_with_the_person(
    app: FastAPI, make_person: Callable[..., dict[str, Any]], children: None
) -> None:
    person = make_person("la_officer")
    browser = TestClient(app)
    sign_in(browser, person["email"])
    browser.get(f"/children/{UPN}")
    with app.state.sessionmaker() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.path == f"/children/{UPN}")
        ).one()
    assert event.client_id == f"person-{person['id']}"
    assert event.children == 1


def test_an_officer_corrects_a_date_of_birth_on_the_childs_page(
    app: FastAPI, officer_browser: TestClient, children: None
) -> None:
    page = officer_browser.get(f"/children/{UPN}")
    token = form_token(page.text)
    assert 'aria-describedby="date_of_birth-hint"' in page.text
    blank = officer_browser.post(
        f"/children/{UPN}/date-of-birth", data={"csrf_token": token, "date_of_birth": ""}
    )
    assert blank.status_code == 400
    assert '<a href="#date_of_birth">' in blank.text
    assert 'aria-describedby="date_of_birth-hint date_of_birth-error"' in blank.text
    corrected = officer_browser.post(
        f"/children/{UPN}/date-of-birth", data={"csrf_token": token, "date_of_birth": "2013-06-02"}
    )
    assert corrected.url.path == f"/children/{UPN}"
    assert "The date of birth was corrected" in corrected.text
    with app.state.sessionmaker() as session:
        assert str(session.scalar(select(Pupil.date_of_birth).where(Pupil.upn == UPN))) == (
            "2013-06-02"
        )
    history = officer_browser.get(f"/children/{UPN}")
    assert "Date of birth corrected" in history.text


def test_a_date_of_birth_form_without_its_csrf_token_changes_nothing(
    app: FastAPI, officer_browser: TestClient, children: None
) -> None:
    refused = officer_browser.post(
        f"/children/{UPN}/date-of-birth", data={"date_of_birth": "2013-06-02"}
    )
    assert refused.status_code == 403
    with app.state.sessionmaker() as session:
        assert str(session.scalar(select(Pupil.date_of_birth).where(Pupil.upn == UPN))) != (
            "2013-06-02"
        )
