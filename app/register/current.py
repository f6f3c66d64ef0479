"""Each child's current state: their latest register week, which is their state as at this
week and every week after it, kept in the write's own transaction beside the register weeks.

The alert rules that depend on the week asked about compare it with dates kept here: the
run's start, the exclusion's and suspension's first days, the timetable's review date, and
the week in which school days missed this school year reach the LA's figure (rule 11) with
the state carried to the year's end. That week is projected from the child's judgements of
the school year; a write re-reads them only when it cannot be told from the state it replaces.
"""

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy import update as update_statement
from sqlalchemy.orm import Session, aliased

from app.bulk import children, insert_into, rows
from app.models import CurrentState, Pupil, PupilWeek, RegisterVersion
from app.register.rules import (
    WEEK,
    FullTime,
    FullTimeHours,
    RegisterWeek,
    SchoolCalendar,
    WeekJudgement,
    school_year_starts,
    week_missed_reached,
)
from app.register.service import JUDGEMENT_COLUMNS, register_week_of
from app.register.timetables import keep_timetables

# A current state's columns, typed as the table has them: first those it copies from the
# latest judgement, then its own (when school days missed reach the figure, the exit after it).
STATE_COLUMNS = tuple((column.name, column.type) for column in CurrentState.__table__.columns)
COPIED = STATE_COLUMNS[: [name for name, _ in STATE_COLUMNS].index("missed_since")]
CHUNK = 5000


@dataclass(frozen=True)
class Latest:
    """A re-judged child's latest judgement, as stored and as judged, and the exit stored after
    it; with the judgements the write has in hand (those it wrote from ``first_week`` on, and
    the one before, which the rules continued from)."""

    row: Mapping[str, Any]
    week: WeekJudgement
    exit: Mapping[str, Any] | None
    recent: list[WeekJudgement]
    first_week: date
    full_time: FullTimeHours


def latest_of(
    stored: Sequence[Mapping[str, Any]],
    weeks: Sequence[RegisterWeek],
    *,
    first_week: date,
    full_time: FullTimeHours,
) -> Latest | None:
    """The latest judgement among a child's register weeks in hand (``stored``, and as judged
    in ``weeks``), or None if none of them is a judgement."""
    judgements = [week for week in weeks if isinstance(week, WeekJudgement)]
    for index in reversed(range(len(weeks))):
        week = weeks[index]
        if isinstance(week, WeekJudgement):
            following = stored[index + 1] if index + 1 < len(stored) else None
            return Latest(stored[index], week, following, judgements, first_week, full_time)
    return None


def keep_current(
    session: Session,
    latest: Mapping[int, Latest],
    unread: Mapping[int, FullTimeHours],
    *,
    alert_days: int,
    calendar: SchoolCalendar,
) -> None:
    """Replace the current state of each re-judged child, and the timetables it rests on: from
    their latest judgement in hand, or (``unread``: none in hand) read from their register
    weeks; a child with none loses them."""
    read = _read_latest(session, unread)
    gone = sorted(set(unread) - set(read))
    if gone:
        session.execute(delete(CurrentState).where(CurrentState.pupil_id.in_(gone)))
    kept = dict(latest) | {
        pupil_id: Latest(row, week, exit, [], week.week_commencing, unread[pupil_id])
        for pupil_id, (row, week, exit) in read.items()
    }
    days = Decimal(alert_days)
    replaced = children(session, "replaced", sorted(kept))
    old = {
        row.pupil_id: row
        for row in session.execute(
            select(
                CurrentState.pupil_id,
                CurrentState.week_commencing,
                CurrentState.on_register_since,
                CurrentState.missed_since,
            ).join(replaced, replaced.c.pupil_id == CurrentState.pupil_id)
        )
    }
    since = {
        pupil_id: _missed_since(state, old.get(pupil_id), days, calendar)
        for pupil_id, state in kept.items()
        if pupil_id not in read and _in_hand(state, old.get(pupil_id), days)
    }
    unknown = [pupil_id for pupil_id in kept if pupil_id not in since]
    since |= missed_since_of(
        session,
        {pupil_id: kept[pupil_id].week for pupil_id in unknown},
        alert_days=alert_days,
        full_time={pupil_id: kept[pupil_id].full_time for pupil_id in unknown},
        calendar=calendar,
    )
    _store(session, [_row(state, since[pupil_id]) for pupil_id, state in sorted(kept.items())])
    keep_timetables(session, children(session, "timetabled", sorted({*latest, *unread})))


def _read_latest(
    session: Session, pupil_ids: Collection[int]
) -> dict[int, tuple[dict[str, Any], WeekJudgement, dict[str, Any] | None]]:
    """Each child's latest judgement and the exit after it, read from their register weeks."""
    if not pupil_ids:
        return {}
    following = aliased(PupilWeek)
    found: dict[int, tuple[dict[str, Any], WeekJudgement, dict[str, Any] | None]] = {}
    for judged, exit_week, reason, left in session.execute(
        select(
            PupilWeek,
            following.week_commencing,
            following.exit_reason,
            following.left_register_on,
        )
        .outerjoin(
            following,
            and_(
                following.pupil_id == PupilWeek.pupil_id,
                following.week_commencing == PupilWeek.next_week,
            ),
        )
        .where(
            PupilWeek.pupil_id.in_(sorted(pupil_ids)),
            PupilWeek.exit_reason.is_(None),
            PupilWeek.last_in_spell,
            or_(PupilWeek.next_week.is_(None), following.next_week.is_(None)),
        )
    ):
        week = register_week_of(judged)
        assert isinstance(week, WeekJudgement)
        exit = None
        if exit_week is not None:
            exit = {"week_commencing": exit_week, "exit_reason": reason, "left_register_on": left}
        row = {name: getattr(judged, name) for name, _ in COPIED}
        found[judged.pupil_id] = (row, week, exit)
    return found


def _in_hand(state: Latest, old: Any, days: Decimal) -> bool:
    """Whether what the write has in hand says when the child's school days missed reach
    ``days`` in their latest week's school year, without reading the year's judgements."""
    latest = state.week
    if latest.missed_days < days:
        return True
    # Reached by the latest week: the state replaced knows whether it was before this write.
    return (
        old is not None
        and old.on_register_since == latest.on_register_since
        and school_year_starts(old.week_commencing) == school_year_starts(latest.week_commencing)
    )


def _missed_since(state: Latest, old: Any, days: Decimal, calendar: SchoolCalendar) -> date | None:
    """The week the child's school days missed reach ``days`` in their latest week's school
    year, from what the write has in hand (``_in_hand``)."""
    latest = state.week
    if latest.missed_days < days:
        # Not reached by the latest week (days missed only grow through a year): reached, if
        # ever, in the weeks the state is carried to the year's end.
        if latest.received >= state.full_time(latest.week_commencing):
            return None  # full time: nothing more is missed
        return _reached(latest, [latest], days, full_time=state.full_time, calendar=calendar)
    kept: date | None = old.missed_since
    if kept is not None and kept < state.first_week:
        return kept  # reached in weeks this write left as they were
    # Not reached before the write's first week: the judgements it wrote, and the one before
    # (carried up to them), say when.
    return _reached(latest, state.recent, days, full_time=state.full_time, calendar=calendar)


def missed_since_of(
    session: Session,
    latest: Mapping[int, RegisterWeek],
    *,
    alert_days: int,
    full_time: Mapping[int, FullTimeHours],
    calendar: SchoolCalendar,
) -> dict[int, date | None]:
    """The week each child's school days missed reach ``alert_days`` in their latest week's
    school year, from their judgements of that year and time on the register."""
    days = Decimal(alert_days)
    found: dict[int, date | None] = dict.fromkeys(latest)
    judged = {p: week for p, week in latest.items() if isinstance(week, WeekJudgement)}
    if not judged:
        return found
    earliest = min(school_year_starts(week.week_commencing) for week in judged.values())
    judgements: dict[int, list[WeekJudgement]] = defaultdict(list)
    for row in session.execute(
        select(*JUDGEMENT_COLUMNS)
        .where(
            PupilWeek.pupil_id.in_(sorted(judged)),
            PupilWeek.exit_reason.is_(None),
            or_(PupilWeek.week_commencing >= earliest, PupilWeek.next_week >= earliest),
        )
        .order_by(PupilWeek.pupil_id, PupilWeek.week_commencing)
    ):
        week = register_week_of(row)
        assert isinstance(week, WeekJudgement)
        judgements[row.pupil_id].append(week)
    for pupil_id, week in judged.items():
        found[pupil_id] = _reached(
            week, judgements[pupil_id], days, full_time=full_time[pupil_id], calendar=calendar
        )
    return found


def state_from_history(
    stored: Sequence[Mapping[str, Any]],
    weeks: Sequence[RegisterWeek],
    *,
    alert_days: int,
    full_time: FullTimeHours,
    calendar: SchoolCalendar,
) -> tuple[Any, ...] | None:
    """A child's current state (a ``current_states`` row) from all their register weeks, as
    stored and as judged: what a bulk load writes, and the measure of what writes keep."""
    latest = latest_of(stored, weeks, first_week=date.min, full_time=full_time)
    if latest is None:
        return None
    days = Decimal(alert_days)
    return _row(
        latest, _reached(latest.week, latest.recent, days, full_time=full_time, calendar=calendar)
    )


def _row(state: Latest, missed_since: date | None) -> tuple[Any, ...]:
    """A current state as a row of ``STATE_COLUMNS``."""
    exit = state.exit or {}
    return (
        *(state.row[name] for name, _ in COPIED),
        missed_since,
        exit.get("week_commencing"),
        exit.get("exit_reason"),
        exit.get("left_register_on"),
    )


def _reached(
    latest: WeekJudgement,
    judgements: Sequence[WeekJudgement],
    days: Decimal,
    *,
    full_time: FullTimeHours,
    calendar: SchoolCalendar,
) -> date | None:
    """When school days missed reach ``days`` in the latest week's school year, from the
    judgements of its time on the register, the latest carried to the year's end."""
    return week_missed_reached(
        [week for week in judgements if week.on_register_since == latest.on_register_since],
        days,
        through=_year_ends(latest.week_commencing),
        full_time=full_time,
        calendar=calendar,
    )


def project_missed_days(
    session: Session, *, alert_days: int, full_time: FullTime, calendar: SchoolCalendar
) -> None:
    """Project every current state's ``missed_since`` again (the calendar or the LA's figure
    changed), a chunk of children at a time, and note the figure it was projected with."""
    for chunk in _chunks(
        session.scalars(select(CurrentState.pupil_id).order_by(CurrentState.pupil_id)).all()
    ):
        latest: dict[int, RegisterWeek] = {}
        born: dict[int, date] = {}
        for row in session.execute(
            select(*JUDGEMENT_COLUMNS, Pupil.date_of_birth)
            .join(
                CurrentState,
                (CurrentState.pupil_id == PupilWeek.pupil_id)
                & (CurrentState.week_commencing == PupilWeek.week_commencing),
            )
            .join(Pupil, Pupil.id == PupilWeek.pupil_id)
            .where(PupilWeek.pupil_id.in_(chunk))
        ):
            latest[row.pupil_id] = register_week_of(row)
            born[row.pupil_id] = row.date_of_birth
        since = missed_since_of(
            session,
            latest,
            alert_days=alert_days,
            full_time={pupil_id: full_time.of(day) for pupil_id, day in born.items()},
            calendar=calendar,
        )
        changes = rows(
            session,
            "projected",
            (("pupil_id", Integer()), ("missed_since", Date())),
            sorted(since.items()),
        )
        session.execute(
            update_statement(CurrentState)
            .where(CurrentState.pupil_id == changes.c.pupil_id)
            .values(missed_since=changes.c.missed_since)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update_statement(RegisterVersion)
        .where(RegisterVersion.id == 1)
        .values(alert_days=alert_days)
    )


def answers_for(session: Session, week_commencing: date, *, alert_days: int | None = None) -> bool:
    """Whether the current states are every child's state as at the week: no judgement after
    it (and, given ``alert_days``, school days missed projected with that figure)."""
    latest = session.scalar(select(func.max(CurrentState.week_commencing)))
    if latest is not None and latest > week_commencing:
        return False
    return alert_days is None or alert_days == session.scalar(
        select(RegisterVersion.alert_days).where(RegisterVersion.id == 1)
    )


def _store(session: Session, values: list[tuple[Any, ...]]) -> None:
    source = rows(session, "current", STATE_COLUMNS, values)
    statement = insert_into(session, CurrentState).from_select(
        [name for name, _ in STATE_COLUMNS],
        select(source).where(source.c.pupil_id.is_not(None)),  # SQLite: a WHERE for ON CONFLICT
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["pupil_id"],
            set_={name: statement.excluded[name] for name, _ in STATE_COLUMNS[1:]},
        )
    )


def _year_ends(week_commencing: date) -> date:
    """The last week of the week's school year."""
    return school_year_starts(school_year_starts(week_commencing) + 53 * WEEK) - WEEK


def _chunks(pupil_ids: Collection[int]) -> Iterator[list[int]]:
    ordered = list(pupil_ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
