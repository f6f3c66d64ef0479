"""The officer's worklists: alerts by rule with the children to act on, and who sent their
week's return, with the children still missing from each."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.alerts.schemas import RULE_TITLES, AlertRule
from app.alerts.service import Listed, alert_list
from app.audit.service import children_read
from app.database import SessionDep
from app.providers.service import list_providers
from app.register.service import load_calendar, register_version
from app.returns.service import returns_for
from app.web.forms import Blank
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

    def compute() -> Listed:
        return alert_list(
            session, as_at=chosen, rule=rule, limit=SHOWN, settings=request.app.state.settings
        )

    # Kept until the register next changes; every view is still audited with its children.
    listed: Listed = request.app.state.aggregates.get_or_compute(
        ("alerts page", chosen, rule, register_version(session)), compute
    )
    children_read(request, listed.pupil_ids)
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
        rule_names=RULE_TITLES,
        names={provider.id: provider.name for provider in list_providers(session)},
    )


@router.get("/returns")
def returns(
    request: Request, session: SessionDep, _signed: OfficerPage, week: WeekParam = None
) -> HTMLResponse:
    """Each provider's return for a week, and the children missing from it."""
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    found = returns_for(session, week_commencing=chosen, calendar=calendar, provider_id=None)
    children_read(request, found.missing_ids())
    return page(
        request,
        "returns.html",
        title="Returns",
        week=chosen,
        term_week=calendar.is_term_week(chosen),
        lines=found.lines,
        missing=found.missing,
    )
