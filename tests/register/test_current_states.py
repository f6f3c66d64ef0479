"""Each child's current state, kept at write time: for any sequence of writes, withdrawals,
ends, UPN changes and date-of-birth corrections it is what the child's register weeks give,
and the alerts read from it are the alerts the register weeks give."""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import hypothesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from sqlalchemy import select

from app.alerts.schemas import AlertRule
from app.alerts.service import alerts_for_child, find_alerts
from app.config import Settings
from app.extracts.service import extract_rows
from app.models import CurrentState, CurrentTimetable, Pupil, PupilWeek
from app.register.current import COPIED, STATE_COLUMNS, answers_for, state_from_history
from app.register.rejudge import project_if_behind
from app.register.rules import WEEK, WeekJudgement, missed_as_at, monday_of, school_year_starts
from app.register.service import load_calendar, register_week_of
from app.register.timetables import COLUMNS as TIMETABLE_COLUMNS
from app.register.timetables import timetables_of
from tests.builders import make_upn, record, week

Headers = dict[str, str]
NAMES = ("week_commencing", "exit_reason", "left_register_on", *(n for n, _ in COPIED))
SINCE = [name for name, _ in STATE_COLUMNS].index("missed_since")
HALF_TERMS = {
    "terms": [
        {"name": "Autumn 1", "start_date": "2026-09-07", "end_date": "2026-10-23"},
        {"name": "Autumn 2", "start_date": "2026-11-02", "end_date": "2026-12-18"},
    ],
    "closures": [{"date": "2026-09-28", "description": "INSET"}],
}
# The same autumn with half term a week later: every week from 26 October judged again.
LATER_HALF_TERM = HALF_TERMS | {
    "terms": [
        {"name": "Autumn 1", "start_date": "2026-09-07", "end_date": "2026-10-30"},
        {"name": "Autumn 2", "start_date": "2026-11-09", "end_date": "2026-12-18"},
    ]
}
BORN = date(2013, 5, 1)
serials = itertools.count()


def fresh_upn() -> str:
    """A UPN no earlier example used (examples share the test's database)."""
    serial = next(serials)
    return make_upn(serial % 1000, establishment=3000 + serial // 1000)


sends = st.tuples(
    st.just("send"),
    st.integers(0, 1),  # child
    st.integers(0, 1),  # provider
    st.integers(0, 10),  # week
    st.sampled_from([0, 2.5, 10, 20, 25, 30, 45]),
    st.sampled_from([None, 0, 5]),  # hours attended, at most offered
    st.sampled_from([[], ["medical"], ["part_time_timetable"], ["suspension"]]),
    # A timetable's review and end weeks: passed, ahead of some weeks asked about, or none.
    st.sampled_from([(None, None), (2, None), (None, 4), (3, 12), (12, None), (None, 13)]),
)
withdrawals = st.tuples(
    st.just("withdraw"), st.integers(0, 1), st.integers(0, 1), st.integers(0, 10)
)
ends = st.tuples(st.just("end"), st.integers(0, 1), st.integers(0, 1), st.integers(0, 10))
upn_changes = st.tuples(st.just("upn"), st.integers(0, 1), st.booleans())
births = st.tuples(st.just("born"), st.integers(0, 1), st.sampled_from([BORN, date(2010, 5, 1)]))
calendars = st.tuples(st.just("calendar"), st.integers(0, 1), st.booleans())
operations = st.lists(
    st.one_of(sends, sends, sends, withdrawals, ends, upn_changes, births, calendars),
    min_size=1,
    max_size=9,
)


class Children:
    """Two children of one example and the register's answers about them, over HTTP."""

    def __init__(self, client: TestClient, officer: Headers, providers: list[int]) -> None:
        self.client, self.officer, self.providers = client, officer, providers
        self.upns = [fresh_upn(), fresh_upn()]
        self.born = [BORN, BORN]

    def apply(self, operation: tuple[Any, ...]) -> None:
        kind, child, *rest = operation
        upn, born = self.upns[child], self.born[child]
        if kind == "send":
            provider, n, hours, attended, reasons, (review, end) = rest
            extra: dict[str, Any] = {}
            if reasons == ["suspension"]:
                extra = {"exclusion_type": "suspension", "exclusion_start_date": str(week(n))}
            elif reasons:
                extra = {"reasons": reasons}
            for field, n_th in (("timetable_review_date", review), ("timetable_end_date", end)):
                if n_th is not None:
                    extra[field] = str(week(n_th) + timedelta(days=2))
            if attended is not None:
                extra["hours_attended"] = min(attended, hours)
            response = self.client.post(
                "/api/v1/provision-records/batch",
                json={
                    "records": [
                        record(
                            upn,
                            week_commencing=week(n),
                            hours=hours,
                            date_of_birth=born,
                            provider_id=self.providers[provider],
                            **extra,
                        )
                    ]
                },
                headers=self.officer,
            )
            assert response.status_code in (200, 409), response.text
        elif kind == "withdraw":
            provider, n = rest
            response = self.client.delete(
                "/api/v1/provision-records",
                params={
                    "upn": upn,
                    "week_commencing": str(week(n)),
                    "provider_id": self.providers[provider],
                },
                headers=self.officer,
            )
            assert response.status_code in (204, 404), response.text
        elif kind == "end":
            provider, n = rest
            response = self.client.post(
                "/api/v1/provision-ends",
                json={
                    "upn": upn,
                    "date_of_birth": str(born),
                    "end_date": str(week(n) + timedelta(days=4)),
                    "end_reason": "returned_full_time",
                    "provider_id": self.providers[provider],
                },
                headers=self.officer,
            )
            assert response.status_code in (200, 201, 404, 409, 422), response.text
        elif kind == "calendar":
            (later,) = rest
            calendar = LATER_HALF_TERM if later else HALF_TERMS
            response = self.client.put("/api/v1/calendar", json=calendar, headers=self.officer)
            assert response.status_code == 200, response.text
        elif kind == "upn":
            (merge,) = rest
            other = self.upns[1 - child]
            new = other if merge and self.born[0] == self.born[1] else fresh_upn()
            response = self.client.post(
                f"/api/v1/pupils/{upn}/upn-change", json={"new_upn": new}, headers=self.officer
            )
            assert response.status_code in (200, 404, 409, 422), response.text
            if response.status_code == 200:
                self.upns = [new if u in (upn, new) else u for u in self.upns]
        else:
            (new_born,) = rest
            response = self.client.patch(
                f"/api/v1/pupils/{upn}", json={"date_of_birth": str(new_born)}, headers=self.officer
            )
            assert response.status_code in (200, 404, 422), response.text
            if response.status_code == 200:
                self.born = [
                    new_born if u == upn else b for u, b in zip(self.upns, self.born, strict=True)
                ]


def assert_current_states_agree(app: FastAPI, config: Settings) -> None:
    """Every child's current state is their latest register week, and the week their school
    days missed reach the LA's figure is when the rule, carried week by week, says so."""
    days = config.missed_school_days_alert
    with app.state.sessionmaker() as session:
        calendar = load_calendar(session)
        born = dict(session.execute(select(Pupil.id, Pupil.date_of_birth)).all())
        history: dict[int, list[Any]] = {}
        for row in session.scalars(
            select(PupilWeek).order_by(PupilWeek.pupil_id, PupilWeek.week_commencing)
        ):
            history.setdefault(row.pupil_id, []).append(row)
        expected = {
            pupil_id: state_from_history(
                [{name: getattr(row, name) for name in NAMES} for row in rows],
                [register_week_of(row) for row in rows],
                alert_days=days,
                full_time=config.full_time.of(born[pupil_id]),
                calendar=calendar,
            )
            for pupil_id, rows in history.items()
        }
        expected = {pupil_id: row for pupil_id, row in expected.items() if row is not None}
        stored = {
            state.pupil_id: tuple(getattr(state, name) for name, _ in STATE_COLUMNS)
            for state in session.scalars(select(CurrentState))
        }
        assert stored == expected
        # The timetables kept with them are those their weeks' records give now.
        kept = session.scalars(select(CurrentTimetable))
        assert sorted(tuple(getattr(row, name) for name in TIMETABLE_COLUMNS) for row in kept) == (
            sorted(tuple(row) for row in session.execute(timetables_of()))
        )
        for pupil_id, state in stored.items():
            [row] = [row for row in history[pupil_id] if row.week_commencing == state[1]]
            latest = register_week_of(row)
            assert isinstance(latest, WeekJudgement)
            since = state[SINCE]
            through = school_year_starts(latest.week_commencing + 53 * WEEK)
            figure = config.full_time.of(born[pupil_id])
            for n in range(0, 60):
                later = latest.week_commencing + n * WEEK
                if later >= through:
                    break
                missed, _ = missed_as_at(latest, later, full_time=figure, calendar=calendar)
                assert (since is not None and since <= later) == (missed >= Decimal(days)), later


def assert_alerts_agree(
    app: FastAPI, config: Settings, as_at: date, *, current: bool = True
) -> None:
    """The alerts and the extract read from the current states are those read from the
    register weeks, and each child's alerts are theirs among them."""
    with app.state.sessionmaker() as session:
        assert answers_for(session, as_at, alert_days=config.missed_school_days_alert) is current
        rules = [r for r in AlertRule if r is not AlertRule.provider_return_missing]
        found = [
            find_alerts(
                session,
                as_at=as_at,
                calendar=load_calendar(session),
                settings=config,
                rules=rules,
                limit=10_000,
                weekly=weekly,
            )
            for weekly in (False, True)
        ]
        assert found[0].counts == found[1].counts
        assert sorted(found[0].findings, key=repr) == sorted(found[1].findings, key=repr)
        # A child's page shows the alerts the list gives that child, asking about them alone.
        for pupil_id in session.scalars(select(Pupil.id)):
            assert sorted(
                alerts_for_child(
                    session,
                    pupil_id=pupil_id,
                    as_at=as_at,
                    calendar=load_calendar(session),
                    settings=config,
                ),
                key=repr,
            ) == sorted((f for f in found[0].findings if f.pupil_id == pupil_id), key=repr)
        # The inspection extract too, row for row in the register's order.
        calendar = load_calendar(session)
        from_states, from_weeks = (
            list(extract_rows(session, week=monday_of(as_at), calendar=calendar, weekly=weekly))
            for weekly in (False, True)
        )
        assert from_states == from_weeks


@hypothesis.settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_current_states_are_what_the_register_weeks_give_after_any_writes(
    app: FastAPI,
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    college: dict[str, Any],
    settings: Settings,
    operations: list[tuple[Any, ...]],
) -> None:
    client.put("/api/v1/calendar", json=HALF_TERMS, headers=officer)
    children = Children(client, officer, [school["id"], college["id"]])
    for operation in operations:
        children.apply(operation)
        assert_current_states_agree(app, settings)
    # From the week after the last one sent (an end's exit week), into the next school year.
    for as_at in (week(11), week(11) + timedelta(days=4), week(16), date(2027, 9, 8)):
        assert_alerts_agree(app, settings, as_at)


def test_a_new_figure_of_school_days_is_projected_at_start_up_and_answered_meanwhile(
    app: FastAPI, client: TestClient, officer: Headers, school: dict[str, Any], settings: Settings
) -> None:
    upn = fresh_upn()
    records = [
        record(upn, week_commencing=week(n), hours=0, provider_id=school["id"]) for n in range(3)
    ]
    response = client.post(
        "/api/v1/provision-records/batch", json={"records": records}, headers=officer
    )
    assert response.status_code == 200, response.text
    fewer = settings.model_copy(update={"missed_school_days_alert": 6})
    with app.state.sessionmaker() as session:
        pupil_id = session.scalar(select(Pupil.id).where(Pupil.upn == upn))
        # Three weeks at no hours: 15 days missed, reached in the third week.
        assert session.get(CurrentState, pupil_id).missed_since == week(2)
        # Until a service with the new figure starts, the register weeks answer for it.
        assert not answers_for(session, week(3), alert_days=6)
    assert_alerts_agree(app, fewer, week(3), current=False)

    project_if_behind(app.state.sessionmaker, settings=fewer)
    with app.state.sessionmaker() as session:
        assert session.get(CurrentState, pupil_id).missed_since == week(1)
    assert_alerts_agree(app, fewer, week(3), current=True)
