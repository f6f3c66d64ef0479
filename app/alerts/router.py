"""Children needing action today, each with the rule and a reason a caseworker can act on."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from app.alerts.schemas import Alert, AlertList, AlertRule, LateReturn
from app.alerts.service import find_alerts
from app.auth.dependencies import OfficerPrincipal
from app.database import SessionDep
from app.inputs import AsAt, today
from app.models import Pupil
from app.register.rules import monday_of, status_as_at
from app.register.service import latest_register_weeks, load_calendar
from app.returns.service import last_week_due, late_providers

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
    """Children needing action as at `as_at` (default today): permanently excluded and below
    full time from the 6th school day; below full time beyond the LA's limit; part-time
    timetable past its review or end date while that provision is open; an open provision with
    no return for 2+ term weeks (naming the providers); 15 school days' education missed this
    term; no school on roll; and, for children off the register, whereabouts unknown or removed
    from roll until a destination is recorded; and, in `late_returns`, providers that sent
    nothing for the last term week whose return is past due, not even a nil return
    (`provider_return_missing`; due `REGISTER_RETURN_DUE_DAYS` working days after the week).
    Thresholds are LA settings.

    `counts` has every rule's full count; the list holds the first `limit` alerts (a page a
    caseworker acts on, and no more children's data than that), one rule with `rule`."""
    settings = request.app.state.settings
    day = as_at or today()
    week = monday_of(day)
    calendar = load_calendar(session)
    rules = [rule] if rule else list(AlertRule)
    found = find_alerts(
        session,
        as_at=day,
        calendar=calendar,
        settings=settings,
        rules=[r for r in rules if r is not AlertRule.provider_return_missing],
        limit=limit,
    )
    # Providers, not children: late with the last term week whose return is past due.
    owed = last_week_due(day, calendar=calendar, working_days=settings.return_due_days)
    late = (
        late_providers(session, week_commencing=owed, calendar=calendar)
        if owed and AlertRule.provider_return_missing in rules
        else []
    )
    shown = found.findings
    pupil_ids = sorted({finding.pupil_id for finding in shown})
    pupils = dict(session.execute(select(Pupil.id, Pupil.upn).where(Pupil.id.in_(pupil_ids))).all())
    latest = latest_register_weeks(session, pupil_ids=pupil_ids, on_or_before=week)
    items = []
    for finding in shown:
        status = status_as_at(
            week,
            latest.get(finding.pupil_id),
            full_time_hours=settings.full_time_hours,
            calendar=calendar,
        )
        items.append(
            Alert(
                upn=pupils[finding.pupil_id],
                rule=finding.rule,
                reason=finding.reason,
                since=finding.since,
                provider_ids=list(finding.provider_ids),
                total_hours=status.total_hours,
                below_threshold=status.below_threshold,
                weeks_below=status.weeks_below,
                last_reported_week=status.last_reported_week,
            )
        )
    request.state.children = len(pupil_ids)
    return AlertList(
        week_commencing=week,
        counts={r: found.counts.get(r, 0) for r in AlertRule}
        | {AlertRule.provider_return_missing: len(late)},
        items=items,
        late_returns=[
            LateReturn(
                provider_id=line.provider_id,
                provider_name=line.provider_name,
                week_commencing=owed,
                children_due=line.children_due,
                reason=f"No return for the week of {owed} for {line.children_due} "
                f"child{'ren' * (line.children_due != 1)} whose provision is open: chase the "
                "provider, or record the end of provision.",
            )
            for line in late
            if owed
        ],
        truncated=sum(found.counts.values()) > len(shown),
    )
