"""A provider's "What we sent": its records by week with the week's return, a child's records
with it, withdrawing a record sent in error and ending a child's provision. A provider sees its
own children and records only, exactly as its API client does."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.audit.service import children_read, upns_read
from app.database import SessionDep
from app.errors import ProblemError
from app.inputs import today
from app.people.service import person_principal
from app.provision.sent import child_records, latest_versions, sent_record, weeks_sent
from app.provision.service import end_for_child, withdraw
from app.pupils.dependencies import guarded_pupil
from app.pupils.upn import normalise_upn
from app.register.rules import WEEK, monday_of
from app.register.service import load_calendar
from app.returns.service import returns_for
from app.vocabulary import EndReason
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import CheckedForm, ProviderPage
from app.web.weeks import WeekParam

router = APIRouter(route_class=PageRoute)

RECENT_WEEKS = 12
# A week's records fit one page: a provider has at most a few hundred children.
WEEK_RECORDS = 5000


@router.get("/sent")
def sent_in_week(
    request: Request,
    session: SessionDep,
    signed: ProviderPage,
    week: WeekParam = None,
    done: str | None = None,
) -> HTMLResponse:
    """The records the provider sent for a week, withdrawn ones marked, and the week's return."""
    principal = person_principal(signed.person)
    provider_id = principal.provider_id
    assert provider_id is not None
    recent = weeks_sent(session, provider_id=provider_id, limit=RECENT_WEEKS)
    chosen = week or (recent[0] if recent else monday_of(today()) - WEEK)
    records = sorted(
        (
            sent_record(version, revision, upn)
            for version, revision, upn in latest_versions(
                session,
                provider_id=provider_id,
                week_commencing=chosen,
                updated_since=None,
                include_withdrawn=True,
                before=None,
                limit=WEEK_RECORDS,
            )
        ),
        key=lambda record: record.upn,
    )
    found = returns_for(
        session, week_commencing=chosen, calendar=load_calendar(session), provider_id=provider_id
    )
    line = found.lines[0] if found.lines else None
    upns_read(request, session, [record.upn for record in records])
    children_read(request, found.missing_ids())
    return page(
        request,
        "sent.html",
        title="What we sent",
        week=chosen,
        recent=recent,
        records=records,
        line=line,
        done=done,
    )


@router.post("/sent/withdraw")
def withdraw_record(
    request: Request,
    session: SessionDep,
    signed: ProviderPage,
    _form: CheckedForm,
    upn: Annotated[str, Form(max_length=20)],
    week: Annotated[date, Form()],
) -> RedirectResponse:
    """Withdraw a record sent in error; the register judges as if it was never sent."""
    principal = person_principal(signed.person)
    assert principal.provider_id is not None
    pupil = guarded_pupil(request, session, principal, _upn(upn), lock=True)
    withdraw(
        session,
        principal=principal,
        pupil=pupil,
        provider_id=principal.provider_id,
        week_commencing=week,
        settings=request.app.state.settings,
    )
    return RedirectResponse(f"/sent?week={week}&done=withdrawn", status_code=303)


@router.get("/sent/children/{upn}")
def child(request: Request, session: SessionDep, signed: ProviderPage, upn: str) -> HTMLResponse:
    """What the provider sent for one of its children, and ending its provision."""
    return _child_page(request, session, signed, upn)


def _child_page(
    request: Request,
    session: SessionDep,
    signed: ProviderPage,
    upn: str,
    *,
    errors: dict[str, str] | None = None,
    ended: bool = False,
) -> HTMLResponse:
    principal = person_principal(signed.person)
    assert principal.provider_id is not None
    pupil = guarded_pupil(request, session, principal, _upn(upn))
    return page(
        request,
        "sent_child.html",
        title=f"UPN {pupil.upn}",
        status_code=422 if errors else 200,
        pupil=pupil,
        records=child_records(session, pupil_id=pupil.id, provider_id=principal.provider_id),
        reasons=list(EndReason),
        errors=errors or {},
        error_summary=errors or None,
        ended=ended,
    )


@router.post("/sent/children/{upn}/end")
def end(
    request: Request,
    session: SessionDep,
    signed: ProviderPage,
    _form: CheckedForm,
    upn: str,
    end_date: Annotated[str, Form(max_length=10)] = "",
    end_reason: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """End the provider's provision for the child on a date, for a reason."""
    principal = person_principal(signed.person)
    pupil = guarded_pupil(request, session, principal, _upn(upn), lock=True)
    errors = {}
    if end_reason not in {reason.value for reason in EndReason}:
        errors["end_reason"] = "Choose why the provision ended"
    try:
        ends_on = date.fromisoformat(end_date)
    except ValueError:
        errors["end_date"] = "Enter the last day of the provision as a date"
    if not errors:
        try:
            end_for_child(
                session,
                principal=principal,
                pupil=pupil,
                provider_id=None,
                end_date=ends_on,
                end_reason=end_reason,
                settings=request.app.state.settings,
            )
        except ProblemError as exc:
            session.rollback()
            errors["end_date"] = "; ".join(str(e["detail"]) for e in exc.errors) or exc.detail
    return _child_page(request, session, signed, upn, errors=errors, ended=not errors)


def _upn(text: str) -> str:
    """A UPN from the address; one that is not a UPN is a child nobody may see (404)."""
    try:
        return normalise_upn(text)
    except ValueError:
        return text[:20]
