"""Replacing the LA calendar and re-judging only the children it affects."""

from datetime import date
from itertools import pairwise

from sqlalchemy import delete, func, select, union
from sqlalchemy.orm import Session

from app.calendar.schemas import CalendarIn, ClosureIn, TermIn
from app.errors import InvalidContent
from app.models import ClosureDay, ProvisionRecord, PupilWeek, Term
from app.register.current import project_missed_days
from app.register.derived import Changes, refresh
from app.register.rules import WEEK, FullTime, SchoolCalendar, monday_of
from app.register.service import bump_register_version, load_calendar, lock_calendar


def current_calendar(session: Session) -> CalendarIn:
    """The stored calendar."""
    terms = session.scalars(select(Term).order_by(Term.start_date))
    closures = session.scalars(select(ClosureDay).order_by(ClosureDay.day))
    return CalendarIn(
        terms=[TermIn(name=t.name, start_date=t.start_date, end_date=t.end_date) for t in terms],
        closures=[ClosureIn(date=c.day, description=c.description) for c in closures],
    )


def replace_calendar(
    session: Session, *, calendar: CalendarIn, full_time: FullTime, alert_days: int
) -> int:
    """Store the new calendar, re-judge children from the first week it changes and project
    every current state's school days missed through the new term weeks; returns how many
    children were re-judged."""
    _check(calendar)
    lock_calendar(session, exclusive=True)
    before = load_calendar(session)
    session.execute(delete(Term))
    session.execute(delete(ClosureDay))
    session.add_all(
        Term(name=t.name, start_date=t.start_date, end_date=t.end_date) for t in calendar.terms
    )
    session.add_all(ClosureDay(day=c.date, description=c.description) for c in calendar.closures)
    session.flush()
    after = load_calendar(session)
    first_record_week = session.scalar(select(func.min(ProvisionRecord.week_commencing)))
    if first_record_week is None:
        return 0
    changed = _first_changed_week(before, after, since=first_record_week)
    if changed is None:
        return 0
    # Records from the changed week on are judged anew, and exits (the first term week after
    # an end) may move.
    pupil_ids = session.scalars(
        union(
            select(ProvisionRecord.pupil_id).where(ProvisionRecord.week_commencing >= changed),
            select(PupilWeek.pupil_id).where(PupilWeek.week_commencing >= changed),
        )
    ).all()
    refresh(
        session,
        Changes(weeks=dict.fromkeys(pupil_ids, changed)),
        full_time=full_time,
        alert_days=alert_days,
        calendar=after,
        judged_under=before,
    )
    project_missed_days(session, alert_days=alert_days, full_time=full_time, calendar=after)
    bump_register_version(session)
    return len(pupil_ids)


def _check(calendar: CalendarIn) -> None:
    errors = []
    ordered = sorted(enumerate(calendar.terms), key=lambda item: item[1].start_date)
    for (_, earlier), (index, later) in pairwise(ordered):
        if later.start_date <= earlier.end_date:
            errors.append(
                {
                    "pointer": f"/terms/{index}/start_date",
                    "detail": f"overlaps term '{earlier.name}'",
                }
            )
    seen: set[date] = set()
    for index, closure in enumerate(calendar.closures):
        if closure.date.weekday() >= 5:
            errors.append({"pointer": f"/closures/{index}/date", "detail": "is not a weekday"})
        elif closure.date in seen:
            errors.append({"pointer": f"/closures/{index}/date", "detail": "is listed twice"})
        elif calendar.terms and not any(
            t.start_date <= closure.date <= t.end_date for t in calendar.terms
        ):
            errors.append({"pointer": f"/closures/{index}/date", "detail": "is not inside a term"})
        seen.add(closure.date)
    if errors:
        raise InvalidContent("The calendar is not consistent; nothing was changed.", errors=errors)


def _first_changed_week(
    before: SchoolCalendar, after: SchoolCalendar, *, since: date
) -> date | None:
    """The first week from ``since`` whose school days differ between two calendars."""
    if before == after:
        return None
    if not before.terms or not after.terms:
        # Between "every week is a term week" and real terms, every week may change.
        return since
    days = {t.start for t in before.terms + after.terms} | {
        t.end for t in before.terms + after.terms
    }
    days |= before.closures ^ after.closures
    week, last = max(monday_of(min(days)), monday_of(since)), monday_of(max(days))
    while week <= last:
        if before.school_days(week) != after.school_days(week):
            return week
        week += WEEK
    return None
