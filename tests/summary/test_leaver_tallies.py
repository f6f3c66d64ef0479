"""The summary's outcomes summed from the leavers' tallies are what the exits themselves say,
whatever writes, withdrawals, ends, UPN changes and calendar changes came before."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from statistics import mean, median
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from app.models import PupilWeek
from app.register.rules import SchoolCalendar
from app.register.service import load_calendar
from app.register.tallies import RETURNED_FULL_TIME
from app.summary.cache import AggregateCache
from app.summary.service import Outcomes, counts_as_at, outcomes
from tests.builders import week
from tests.summary.leaving import (
    CALENDARS,
    LEAVES_TWICE,
    REASONS,
    REJOINS,
    SHORTENED,
    SUMMER_LEAVER,
    WEEKS,
    Headers,
    Step,
    take,
)

ends = st.tuples(st.integers(0, 6), st.sampled_from(REASONS))
# A child's weeks from a provider, mostly ending after the last; the child past school age
# less often, as few of their weeks count.
spells = st.tuples(
    st.just("spell"),
    st.sampled_from([0, 0, 1, 1, 2]),
    st.integers(0, 1),
    st.sampled_from(WEEKS),
    st.integers(1, 4),
    st.integers(0, 3).flatmap(lambda n: ends if n else st.none()),
)
others = st.one_of(
    st.tuples(st.just("withdraw"), st.integers(0, 2), st.integers(0, 1), st.sampled_from(WEEKS)),
    # An end of one provider's provision, or of all the child's.
    st.tuples(st.just("end"), st.integers(0, 2), st.sampled_from([0, 1, None]),
              st.sampled_from(WEEKS), ends),
    st.tuples(st.just("upn"), st.integers(0, 2), st.integers(0, 3)),
    st.tuples(st.just("calendar"), st.integers(0, len(CALENDARS) - 1)),
)  # fmt: skip
# Two steps in three are spells, so that children come and go more than once.
steps = st.integers(0, 2).flatmap(lambda n: spells if n else others)


def outcomes_from_exits(session: Session, week: date, calendar: SchoolCalendar) -> Outcomes:
    """Outcomes counted directly from the exits, as the summary did before the tallies: each
    child's latest exit up to the week, if they left from 1 September of the week's year."""
    starts = date(week.year if week.month >= 9 else week.year - 1, 9, 1)
    exits = aliased(PupilWeek)
    later_exit = exists().where(
        exits.pupil_id == PupilWeek.pupil_id,
        exits.exit_reason.is_not(None),
        exits.week_commencing > PupilWeek.week_commencing,
        exits.week_commencing <= week,
    )
    by_reason: Counter[str] = Counter()
    weeks_to_full_time: list[int] = []
    for reason, exit_week, since in session.execute(
        select(PupilWeek.exit_reason, PupilWeek.week_commencing, PupilWeek.on_register_since).where(
            PupilWeek.exit_reason.is_not(None),
            PupilWeek.left_register_on.between(starts, week),
            PupilWeek.week_commencing <= week,
            ~later_exit,
        )
    ):
        by_reason[str(reason)] += 1
        if reason == RETURNED_FULL_TIME:
            weeks_to_full_time.append(calendar.term_weeks(since, exit_week) - 1)
    return Outcomes(starts, dict(sorted(by_reason.items())), sorted(weeks_to_full_time))


@contextmanager
def undone(app: FastAPI) -> Iterator[None]:
    """Whatever happens inside is rolled back, and no summary computed inside outlives it."""
    connection = app.state.sessionmaker.kw["bind"]
    savepoint = connection.begin_nested()
    app.state.aggregates = AggregateCache()
    try:
        yield
    finally:
        savepoint.rollback()


def summary_outcomes(client: TestClient, officer: Headers, n: int) -> dict[str, Any]:
    response = client.get("/api/v1/summary", params={"as_at": week(n).isoformat()}, headers=officer)
    assert response.status_code == 200, response.text
    body = response.json()
    return {
        "by_exit_reason": {
            row["exit_reason"]: row["children"] for row in body["left_register_by_reason"]
        },
        "mean": body["mean_weeks_to_full_time"],
        "median": body["median_weeks_to_full_time"],
    }


@settings(
    max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(st.lists(steps, min_size=2, max_size=12), st.sampled_from(WEEKS))
@example(LEAVES_TWICE, 5)
@example(SUMMER_LEAVER, -1)
@example(REJOINS, 6)
@example(SHORTENED, -9)
def test_outcomes_from_the_tallies_are_what_the_exits_say(
    app: FastAPI,
    client: TestClient,
    officer: Headers,
    school: dict[str, Any],
    college: dict[str, Any],
    history: list[Step],
    shown: int,
) -> None:
    with undone(app):
        for step in history:
            take(client, officer, (school["id"], college["id"]), step)
            with app.state.sessionmaker() as session:
                calendar = load_calendar(session)
                for n in WEEKS:
                    counts = counts_as_at(session, week(n))
                    expected = outcomes_from_exits(session, week(n), calendar)
                    assert outcomes(counts, week=week(n)) == expected, (step, n)
        with app.state.sessionmaker() as session:
            expected = outcomes_from_exits(session, week(shown), load_calendar(session))
        returned = expected.weeks_to_full_time
        assert summary_outcomes(client, officer, shown) == {
            "by_exit_reason": expected.by_exit_reason,
            "mean": round(mean(returned), 2) if returned else None,
            "median": round(median(returned), 2) if returned else None,
        }
