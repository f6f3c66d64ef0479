"""The synthetic LA: deterministic, valid as the API sees it, and shaped like a real register."""

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.demo import SyntheticLA, generate_la, load_demo
from app.models import ClosureDay, NilReturn, Provider, Pupil, PupilWeek, Term, UpnChange
from app.provision.schemas import ProvisionRecordIn
from app.pupils.upn import is_temporary_upn, normalise_upn
from app.register.rules import compulsory_school_age


@pytest.fixture(scope="module")
def la() -> SyntheticLA:
    return generate_la(seed=11, children=1500, first_week=date(2025, 9, 1), weeks=40)


@pytest.fixture(scope="module")
def records(la: SyntheticLA) -> list[dict[str, object]]:
    return list(la.records())


def test_the_same_seed_gives_the_same_records() -> None:
    first = list(generate_la(seed=3, children=80, weeks=12).records())
    again = list(generate_la(seed=3, children=80, weeks=12).records())
    other = list(generate_la(seed=4, children=80, weeks=12).records())
    assert first == again
    assert first != other


def test_every_record_is_one_the_api_accepts(records: list[dict[str, object]]) -> None:
    for record in records:
        fields = {key: value for key, value in record.items() if key != "provider_index"}
        ProvisionRecordIn.model_validate(fields | {"provider_id": 1})


def test_upns_are_valid_and_travel_from_other_las(records: list[dict[str, object]]) -> None:
    upns = {str(record["upn"]) for record in records}
    assert all(normalise_upn(upn) == upn for upn in upns)
    temporary = sum(upn[-1].isalpha() for upn in upns)
    assert 0 < temporary < len(upns) * 0.05
    las = Counter(upn[1:4] for upn in upns)
    assert las.most_common(1)[0][0] == "801"
    assert {"838", "940", "660"} & set(las)


def test_no_returns_in_holiday_weeks(la: SyntheticLA, records: list[dict[str, object]]) -> None:
    weeks = {date.fromisoformat(str(record["week_commencing"])) for record in records}
    calendar = la.calendar
    assert all(calendar.is_term_week(week) for week in weeks)
    holidays = {date(2025, 10, 27), date(2025, 12, 22), date(2025, 12, 29), date(2026, 2, 16)}
    assert not holidays & weeks
    assert all(not calendar.is_term_week(week) for week in holidays)
    assert any(calendar.school_days(week) < 5 for week in weeks)  # INSET days, bank holidays


def test_children_have_several_providers_and_many_are_part_time(
    records: list[dict[str, object]],
) -> None:
    providers: defaultdict[tuple[object, object], int] = defaultdict(int)
    hours: defaultdict[tuple[object, object], float] = defaultdict(float)
    for record in records:
        key = (record["upn"], record["week_commencing"])
        providers[key] += 1
        hours[key] += float(str(record["hours"]))
    several = sum(count >= 2 for count in providers.values()) / len(providers)
    assert 0.25 < several < 0.45
    below = sum(total < 25 for total in hours.values()) / len(hours)
    assert 0.5 < below < 0.95


def test_children_are_of_compulsory_school_age(records: list[dict[str, object]]) -> None:
    for record in records:
        born = date.fromisoformat(str(record["date_of_birth"]))
        week = date.fromisoformat(str(record["week_commencing"]))
        assert compulsory_school_age(born).covers(week)


def test_the_register_turns_over(la: SyntheticLA, records: list[dict[str, object]]) -> None:
    """Most part-time timetables end within a term; some children move away or go missing;
    Year 11s stop being reported after the last Friday of June."""
    ends = Counter(str(record["end_reason"]) for record in records if record["end_reason"])
    leavers = sum(ends.values())
    assert 0.15 < leavers / la.children < 0.5
    assert ends.most_common(1)[0][0] == "returned_full_time"
    assert {"moved_out_of_area", "whereabouts_unknown"} <= set(ends)
    for record in records:
        if record["end_reason"]:
            week = date.fromisoformat(str(record["week_commencing"]))
            assert record["provision_end_date"] == (week + timedelta(days=4)).isoformat()
    # A school year to the summer: Year 11s are reported until the week of 26 June at most.
    summer = list(
        generate_la(seed=5, children=300, first_week=date(2025, 9, 1), weeks=48).records()
    )
    last_week = {str(r["upn"]): str(r["week_commencing"]) for r in summer}
    year_11s = {
        str(r["upn"])
        for r in summer
        if compulsory_school_age(date.fromisoformat(str(r["date_of_birth"]))).ends.year == 2026
    }
    assert len(year_11s) > 10
    assert all(last_week[upn] <= "2026-06-22" for upn in year_11s)


def test_load_demo_fills_an_empty_register_once(app: FastAPI) -> None:
    sessionmaker = app.state.sessionmaker
    summary = load_demo(
        sessionmaker,
        settings=app.state.settings,
        children=25,
        weeks=8,
        today=date(2026, 11, 25),
    )
    assert summary.endswith("weeks 2026-10-05 to 2026-11-23")
    with sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 24
        assert session.scalar(select(func.count()).select_from(Term))
        assert session.scalar(select(func.count()).select_from(ClosureDay))
        assert session.scalar(select(func.count()).select_from(Pupil)) == int(summary.split()[0])
        latest = session.scalar(
            select(func.max(PupilWeek.week_commencing)).where(PupilWeek.exit_reason.is_(None))
        )
        [(old_upn, new_upn)] = session.execute(select(UpnChange.old_upn, UpnChange.new_upn)).all()
        nil_returns = session.scalar(select(func.count()).select_from(NilReturn))
    assert is_temporary_upn(old_upn) and not is_temporary_upn(new_upn)
    assert latest == date(2026, 11, 23)
    # 25 children leave most of the 24 providers with nobody to report: they say so.
    assert nil_returns and f"{nil_returns} nil returns" in summary
    again = load_demo(sessionmaker, settings=app.state.settings, children=25, weeks=8)
    assert again.startswith("skipped")


def test_most_part_time_timetables_were_agreed_with_a_parent(
    records: list[dict[str, object]],
) -> None:
    timetables = [r for r in records if r["timetable_end_date"] is not None]
    agreed = [r for r in timetables if r["parent_agreed_on"] is not None]
    assert 0.75 < len(agreed) / len(timetables) < 0.97
    for record in agreed:
        assert str(record["parent_agreed_on"]) <= str(record["week_commencing"])
