"""The LA officer's home: the week's headline figures, alerts, late returns and the trend."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.database import SessionDep
from app.register.service import load_calendar
from app.summary.service import figures
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)


@router.get("/home")
def home(
    request: Request, session: SessionDep, _signed: OfficerPage, week: WeekParam = None
) -> HTMLResponse:
    """The officer's home page for a week."""
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    raw = figures(session, week=chosen, calendar=calendar, long_run_weeks=settings.long_run_weeks)
    return page(request, "home.html", title="Home", week=chosen, figures=raw, settings=settings)
