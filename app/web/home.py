"""The LA officer's home: the week's headline figures, alerts, late returns and the trend."""

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.alerts.schemas import RULE_TITLES, AlertList
from app.alerts.service import alert_list
from app.database import SessionDep
from app.register.rules import WEEK
from app.register.service import load_calendar, register_version
from app.summary.service import DURATION_BANDS, Figures, figures, trend
from app.web.charts import Series, line_chart
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
TREND_WEEKS = 12


@router.get("/home")
def home(
    request: Request, session: SessionDep, _signed: OfficerPage, week: WeekParam = None
) -> HTMLResponse:
    """The officer's home page for a week."""
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)

    def compute() -> tuple[Figures, AlertList, list[tuple[date, int, int, int]]]:
        raw = figures(
            session, week=chosen, calendar=calendar, long_run_weeks=settings.long_run_weeks
        )
        # Counts only: no child is named on the home page.
        alerts = alert_list(session, as_at=chosen, rule=None, limit=0, settings=settings).alerts
        points = trend(
            session,
            first=chosen - (TREND_WEEKS - 1) * WEEK,
            last=chosen,
            calendar=calendar,
            long_run_weeks=settings.long_run_weeks,
        )
        return raw, alerts, points

    # Kept until the register next changes, as the API's summaries are.
    raw, alerts, points = request.app.state.aggregates.get_or_compute(
        ("home", chosen, register_version(session)), compute
    )
    labels = [week.strftime("%-d %b") for week, *_ in points]
    chart = line_chart(
        f"Children on the register and below full time, {TREND_WEEKS} weeks to {labels[-1]}",
        labels,
        [
            Series("On the register", [p[1] for p in points]),
            Series("Below full time", [p[2] for p in points]),
            Series(f"Below beyond {settings.long_run_weeks} term weeks", [p[3] for p in points]),
        ],
    )
    return page(
        request,
        "home.html",
        title="Home",
        week=chosen,
        previous_week=chosen - WEEK,
        next_week=chosen + WEEK,
        figures=raw,
        bands=[band for band, *_ in DURATION_BANDS],
        alerts=alerts,
        rule_names=RULE_TITLES,
        points=points,
        chart=chart,
        settings=settings,
    )
