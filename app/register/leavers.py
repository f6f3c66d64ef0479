"""Keeping the leavers' counts current as children are re-judged (app/register/derived.py).

Re-judging a child from a week replaces their exits from that week on, and can change when
their last exit before it stops counting: it counts until the child's next exit, which may be
one of those replaced.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, select
from sqlalchemy.orm import Session

from app.bulk import rows
from app.models import PupilWeek
from app.register.queries import last_before
from app.register.rules import RegisterExit, SchoolCalendar
from app.register.service import JUDGEMENT_COLUMNS, register_week_of
from app.register.tallies import Leaver, leaver, leavers

Exits = dict[int, list[RegisterExit]]


def leaver_changes(
    session: Session,
    first_weeks: Mapping[int, date],
    replaced: Iterable[Mapping[str, Any]],
    judged: Iterable[Mapping[str, Any]],
    *,
    calendar: SchoolCalendar,
    judged_under: SchoolCalendar,
) -> tuple[list[Leaver], list[Leaver]]:
    """What the children stop and start counting for as leavers when their register weeks
    ``replaced`` (judged under ``judged_under``) give way to ``judged`` (under ``calendar``),
    both as ``pupil_weeks`` rows from each child's first changed week."""
    old, new = _exits(replaced), _exits(judged)
    stopped = [each for exits in old.values() for each in leavers(exits, judged_under)]
    started = [each for exits in new.values() for each in leavers(exits, calendar)]
    moved = {
        child: (_first(old, child), _first(new, child))
        for child in old.keys() | new.keys()
        if _first(old, child) != _first(new, child)
    }
    for child, earlier in _last_exits_before(session, first_weeks, moved).items():
        was, now = moved[child]
        stopped.append(leaver(earlier, was, judged_under))
        started.append(leaver(earlier, now, calendar))
    return stopped, started


def _exits(weeks: Iterable[Mapping[str, Any]]) -> Exits:
    """Each child's exits among these rows, in week order."""
    exits: Exits = defaultdict(list)
    for row in weeks:
        if row["exit_reason"] is not None:
            exits[row["pupil_id"]].append(
                RegisterExit(
                    row["week_commencing"],
                    row["left_register_on"],
                    row["exit_reason"],
                    row["on_register_since"],
                )
            )
    for child_exits in exits.values():
        child_exits.sort(key=lambda each: each.week_commencing)
    return exits


def _first(exits: Exits, child: int) -> date | None:
    return exits[child][0].week_commencing if exits.get(child) else None


def _last_exits_before(
    session: Session, first_weeks: Mapping[int, date], children: Iterable[int]
) -> dict[int, RegisterExit]:
    """Each child's last exit before their first changed week, in one statement."""
    wanted = sorted((child, first_weeks[child]) for child in children)
    if not wanted:
        return {}
    moved = rows(session, "exits_moved", (("pupil_id", Integer()), ("first_week", Date())), wanted)
    found: dict[int, RegisterExit] = {}
    for row in session.execute(
        select(*JUDGEMENT_COLUMNS)
        .join(moved, PupilWeek.pupil_id == moved.c.pupil_id)
        .where(last_before(moved, exits_only=True))
    ):
        week = register_week_of(row)
        assert isinstance(week, RegisterExit)
        found[row.pupil_id] = week
    return found
