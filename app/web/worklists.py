"""The officer's worklists: alerts by rule with the children to act on, and who sent their
week's return, with the children still missing from each."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.alerts.schemas import AlertRule
from app.alerts.service import alert_list
from app.database import SessionDep
from app.providers.service import list_providers
from app.register.service import load_calendar
from app.returns.service import children_missing, returns_for
from app.web.forms import Blank
from app.web.home import RULE_NAMES
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
SHOWN = 200


@router.get("/alerts")
def alerts(
    request: Request,
    session: SessionDep,
    _signed: OfficerPage,
    week: WeekParam = None,
    rule: Annotated[Blank[AlertRule], Query()] = None,
) -> HTMLResponse:
    """Children needing action, rule by rule."""
    chosen = week_or_default(week, load_calendar(session))
    listed = alert_list(
        session, as_at=chosen, rule=rule, limit=SHOWN, settings=request.app.state.settings
    )
    request.state.children = listed.children
    by_rule = {
        shown: [alert for alert in listed.alerts.items if alert.rule is shown]
        for shown in ([rule] if rule else list(AlertRule))
    }
    return page(
        request,
        "alerts.html",
        title="Alerts",
        week=chosen,
        rule=rule,
        alerts=listed.alerts,
        by_rule=by_rule,
        rule_names=RULE_NAMES,
        names={provider.id: provider.name for provider in list_providers(session)},
    )


@router.get("/returns")
def returns(
    request: Request, session: SessionDep, _signed: OfficerPage, week: WeekParam = None
) -> HTMLResponse:
    """Each provider's return for a week, and the children missing from it."""
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    lines = returns_for(session, week_commencing=chosen, calendar=calendar, provider_id=None)
    missing = children_missing(session, week_commencing=chosen)
    request.state.children = sum(len(children) for children in missing.values())
    return page(
        request,
        "returns.html",
        title="Returns",
        week=chosen,
        term_week=calendar.is_term_week(chosen),
        lines=lines,
        missing=missing,
    )
