"""Children needing action today, each with the rule and a reason a caseworker can act on."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.alerts.schemas import AlertList, AlertRule
from app.alerts.service import alert_list
from app.audit.service import children_read
from app.auth.dependencies import OfficerPrincipal
from app.database import SessionDep
from app.inputs import AsAt, today

router = APIRouter(tags=["alerts"])


@router.get("/alerts", operation_id="list_alerts")
def alerts(
    request: Request,
    session: SessionDep,
    _officer: OfficerPrincipal,
    as_at: AsAt = None,
    rule: AlertRule | None = None,
    limit: Annotated[
        int, Query(ge=1, le=10000, description="Alerts listed, most urgent first.")
    ] = 100,
) -> AlertList:
    """Children needing action as at `as_at` (default today): permanently excluded or
    suspended and below full time from the 6th school day; below full time beyond the LA's
    limit; part-time timetable past its review or end date while that provision is open, with
    no end date, or reported after its end date; an open provision with no return for 2+ term
    weeks (naming the providers); 15 school days' education missed this school year,
    consecutive or not; a week adding up to more hours than a week holds; a provider's record
    refused for another date of birth, until resolved; no school on roll; and, for children
    off the register, whereabouts unknown or removed from roll until a destination is recorded;
    and, in `late_returns`, providers that sent nothing for the last term week, not even a nil
    return (`provider_return_missing`; due `REGISTER_RETURN_DUE_DAYS` working days after the
    week).
    Thresholds are LA settings.

    `counts` has every rule's full count; the list holds the first `limit` alerts (a page a
    caseworker acts on, and no more children's data than that), one rule with `rule`."""
    listed = alert_list(
        session, as_at=as_at or today(), rule=rule, limit=limit, settings=request.app.state.settings
    )
    children_read(request, listed.pupil_ids)
    return listed.alerts
