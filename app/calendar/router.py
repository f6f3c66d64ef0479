"""The LA's term dates and closure days, which set term weeks and pro-rata thresholds."""

from fastapi import APIRouter, Request

from app.audit.service import touched
from app.auth.dependencies import CurrentPrincipal, OfficerPrincipal
from app.calendar.schemas import CalendarIn, CalendarOut
from app.calendar.service import current_calendar, replace_calendar
from app.database import SessionDep

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("", operation_id="get_calendar")
def get_calendar(session: SessionDep, _caller: CurrentPrincipal) -> CalendarOut:
    """The LA's terms and closure days. With no terms, every week is a 5-day term week."""
    stored = current_calendar(session)
    return CalendarOut(terms=stored.terms, closures=stored.closures)


@router.put("", operation_id="replace_calendar")
def put_calendar(
    body: CalendarIn, request: Request, session: SessionDep, _officer: OfficerPrincipal
) -> CalendarOut:
    """Replace the calendar. Holiday weeks (no school days) neither count nor break a run;
    a short week's threshold is pro rata. Children's weeks from the first changed week are
    re-judged in the same transaction."""
    settings = request.app.state.settings
    recomputed = replace_calendar(
        session,
        calendar=body,
        full_time=settings.full_time,
        alert_days=settings.missed_school_days_alert,
    )
    touched(request).count = recomputed  # re-judged in SQL, not named one by one
    return CalendarOut(terms=body.terms, closures=body.closures, recomputed_children=recomputed)
