"""The LA officer's home: the week's headline figures, alerts, late returns and the trend."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.alerts.schemas import AlertRule
from app.alerts.service import alert_list
from app.database import SessionDep
from app.register.rules import WEEK
from app.register.service import load_calendar
from app.summary.service import DURATION_BANDS, figures, trend
from app.web.charts import Series, line_chart
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
TREND_WEEKS = 12
RULE_NAMES = {
    AlertRule.permanent_exclusion_not_full_time: "Permanently excluded, not full time",
    AlertRule.below_threshold_beyond_limit: "Below full time beyond the limit",
    AlertRule.part_time_timetable_overdue: "Part-time timetable overdue for review",
    AlertRule.no_return: "No hours reported for 2 or more term weeks",
    AlertRule.missed_school_days: "Missed 15 or more school days this term",
    AlertRule.no_school_on_roll: "No school on roll",
    AlertRule.whereabouts_unknown: "Whereabouts unknown",
    AlertRule.provider_return_missing: "Provider's return missing",
}


@router.get("/home")
def home(
    request: Request, session: SessionDep, _signed: OfficerPage, week: WeekParam = None
) -> HTMLResponse:
    """The officer's home page for a week."""
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    raw = figures(session, week=chosen, calendar=calendar, long_run_weeks=settings.long_run_weeks)
    # Counts only: no child is named on the home page.
    alerts = alert_list(session, as_at=chosen, rule=None, limit=0, settings=settings).alerts
    points = trend(
        session,
        first=chosen - (TREND_WEEKS - 1) * WEEK,
        last=chosen,
        calendar=calendar,
        long_run_weeks=settings.long_run_weeks,
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
        rule_names=RULE_NAMES,
        points=points,
        chart=chart,
        settings=settings,
    )
