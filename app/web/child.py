"""A child's page: status with providers by name, the school year's hours against full time,
alerts, history, what the register knew at an earlier moment, and the officer's actions."""

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.alerts.schemas import RULE_TITLES
from app.alerts.service import alerts_for_child
from app.audit.service import children_read
from app.config import Settings
from app.database import SessionDep
from app.errors import NotFound
from app.history.schemas import HistoryEntry
from app.history.service import versions_of
from app.inputs import LONDON
from app.models import Pupil
from app.people.service import SignedIn, person_principal
from app.providers.service import list_providers
from app.provision.ends import providers_to_end
from app.provision.schemas import ProvisionEndIn
from app.provision.service import end_provisions, withdraw
from app.pupils.corrections import correct_date_of_birth
from app.pupils.dependencies import guarded_pupil
from app.pupils.schemas import DateOfBirthIn, UpnChangeIn
from app.pupils.service import status_known_at, week_details
from app.pupils.upn import normalise_upn
from app.pupils.upn_changes import change_upn
from app.register.listing import academic_year_starts
from app.register.rules import monday_of
from app.register.service import latest_register_weeks, load_calendar
from app.register.status import statuses
from app.vocabulary import EndReason, Monday
from app.web.charts import Series, hours_chart
from app.web.forms import Blank, attempt
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import CheckedForm, OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
UpnInPath = Annotated[str, Path(max_length=40)]
HISTORY_SHOWN = 30
DONE = {
    "ended": "The provision was ended.",
    "withdrawn": "The record was withdrawn. The register now judges as if it had never been sent.",
    "upn": "The child's UPN was changed. The old UPN still finds them.",
    "date_of_birth": "The date of birth was corrected and every week judged again with it.",
}


def readable_child(
    request: Request, session: Session, signed: SignedIn, upn: str, *, lock: bool = False
) -> Pupil:
    """The child at this UPN, named in the view's audit event, or a GOV.UK 'not found' page
    saying what was wrong."""
    try:
        normalised = normalise_upn(upn)
    except ValueError as exc:
        raise NotFound(f"“{upn}” is not a UPN: {exc}.") from exc
    return guarded_pupil(request, session, person_principal(signed.person), normalised, lock=lock)


class _Known(BaseModel):
    moment: datetime


def _moment(value: str | None) -> datetime | None:
    """A datetime-local from the form, in England's time, as UTC; never in the future."""
    if not value:
        return None
    moment = _Known.model_validate({"moment": value}).moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return min(moment.astimezone(UTC), datetime.now(UTC))


def child_page(
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    pupil: Pupil,
    *,
    week: date | None,
    known_at: datetime | None = None,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The child's page; with ``errors`` it shows the form sent back with what to fix."""
    settings: Settings = request.app.state.settings
    principal = person_principal(signed.person)
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    latest = latest_register_weeks(session, pupil_ids=[pupil.id], on_or_before=chosen)
    [status] = statuses(
        session,
        principal=principal,
        children=[(pupil, latest.get(pupil.id))],
        week_commencing=chosen,
        full_time=settings.full_time,
        calendar=calendar,
        with_names=True,
    )
    known = None
    if known_at is not None:
        known = status_known_at(
            session,
            principal=principal,
            pupil=pupil,
            week_commencing=chosen,
            moment=known_at,
            full_time=settings.full_time,
            calendar=calendar,
        )
    school_year = monday_of(date(academic_year_starts(chosen), 9, 1))
    weeks = week_details(
        session,
        principal=principal,
        pupil=pupil,
        first=school_year,
        last=chosen,
        full_time=settings.full_time,
        calendar=calendar,
    )
    names = {provider.id: provider.name for provider in list_providers(session)}
    shown = sorted({p.provider_id for w in weeks for p in w.providers})
    hours = {
        provider_id: [
            next((p.hours for p in w.providers if p.provider_id == provider_id), None)
            for w in weeks
        ]
        for provider_id in shown
    }
    labels = [w.week_commencing.strftime("%-d %b") for w in weeks]
    chart = hours_chart(
        f"Weekly hours by provider from {school_year:%-d %B %Y}, against full time",
        labels,
        [Series(names.get(p, f"Provider {p}"), hours[p]) for p in shown],
        full_time=settings.full_time.hours(pupil.date_of_birth, chosen),
        below=[w.below_threshold for w in weeks],
    )
    alerts = alerts_for_child(
        session, pupil_id=pupil.id, as_at=chosen, calendar=calendar, settings=settings
    )
    history = [
        HistoryEntry.of(version, revision)
        for version, revision in versions_of(
            session, pupil_id=pupil.id, before_id=None, limit=HISTORY_SHOWN
        )
    ]
    # The records an officer may withdraw: this school year's, newest first.
    recorded_weeks = [
        (p.provider_id, w.week_commencing) for w in reversed(weeks) for p in w.providers
    ]
    return page(
        request,
        "child.html",
        title=f"{pupil.given_name or ''} {pupil.family_name or ''}".strip() or pupil.upn,
        status_code=400 if errors else 200,
        error_summary=errors or None,
        errors=errors or {},
        values=values or {},
        done=DONE.get(done or ""),
        pupil=pupil,
        status=status,
        known=known,
        known_at=known_at.astimezone(LONDON) if known_at else None,
        week=chosen,
        names=names,
        chart=chart,
        weeks=weeks,
        shown=shown,
        hours=hours,
        alerts=alerts,
        rule_names=RULE_TITLES,
        history=history,
        open_providers=providers_to_end(session, pupil.id),
        recorded_weeks=recorded_weeks,
        end_reasons=list(EndReason),
        tz=LONDON,
        settings=settings,
    )


@router.get("/children/{upn}")
def child(
    upn: UpnInPath,
    request: Request,
    session: SessionDep,
    signed: OfficerPage,
    week: WeekParam = None,
    known_at: Annotated[Blank[str], Query(max_length=40)] = None,
    done: Annotated[Blank[str], Query(max_length=20)] = None,
) -> HTMLResponse:
    """A child's page."""
    pupil = readable_child(request, session, signed, upn)
    try:
        moment = _moment(known_at)
    except ValidationError:
        return child_page(
            request,
            session,
            signed,
            pupil,
            week=week,
            errors={"known_at": "Enter the date and time as day, month, year, hours and minutes"},
        )
    return child_page(request, session, signed, pupil, week=week, known_at=moment, done=done)


def _acted(upn: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/children/{upn}?done={done}", status_code=303)


def _form_refused(
    request: Request, session: Session, signed: SignedIn, pupil: Pupil, values: Mapping[str, Any]
) -> Callable[[dict[str, str]], Response]:
    """The child's page again, with the form as sent and what to fix."""

    def refused(errors: dict[str, str]) -> Response:
        return child_page(request, session, signed, pupil, week=None, errors=errors, values=values)

    return refused


@router.post("/children/{upn}/end")
def end_provision(
    upn: UpnInPath,
    request: Request,
    session: SessionDep,
    signed: CheckedForm,
    _officer: OfficerPage,
    provider_id: Annotated[str, Form(max_length=20)] = "",
    end_date: Annotated[str, Form(max_length=20)] = "",
    end_reason: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """End one provision of the child, or all of them."""
    pupil = readable_child(request, session, signed, upn, lock=True)
    sent = {"provider_id": provider_id or None, "end_date": end_date, "end_reason": end_reason}

    def act() -> Response:
        body = ProvisionEndIn.model_validate(
            sent | {"upn": pupil.upn, "date_of_birth": pupil.date_of_birth}
        )
        end_provisions(
            session,
            principal=person_principal(signed.person),
            pupil=pupil,
            request=body,
            settings=request.app.state.settings,
        )
        return _acted(pupil.upn, "ended")

    refused = _form_refused(request, session, signed, pupil, sent)
    return attempt(session, act, refused, fields=["end_date", "end_reason", "provider_id"])


class _Withdrawal(BaseModel):
    provider_id: int
    week_commencing: Monday


@router.post("/children/{upn}/withdraw")
def withdraw_record(
    upn: UpnInPath,
    request: Request,
    session: SessionDep,
    signed: CheckedForm,
    _officer: OfficerPage,
    record: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Withdraw one record sent in error."""
    pupil = readable_child(request, session, signed, upn, lock=True)
    provider, _, week = record.partition("/")

    def act() -> Response:
        chosen = _Withdrawal.model_validate({"provider_id": provider, "week_commencing": week})
        withdraw(
            session,
            principal=person_principal(signed.person),
            pupil=pupil,
            provider_id=chosen.provider_id,
            week_commencing=chosen.week_commencing,
            settings=request.app.state.settings,
        )
        return _acted(pupil.upn, "withdrawn")

    form = _form_refused(request, session, signed, pupil, {})

    def refused(errors: dict[str, str]) -> Response:
        # The form offers the records to choose from: a value not among them was no choice.
        return form(errors if record else {"record": "Choose the record to withdraw"})

    return attempt(session, act, refused, fields=["record"])


@router.post("/children/{upn}/upn-change")
def upn_change(
    upn: UpnInPath,
    request: Request,
    session: SessionDep,
    signed: CheckedForm,
    _officer: OfficerPage,
    new_upn: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Give the child a new UPN."""
    pupil = readable_child(request, session, signed, upn)

    def act() -> Response:
        body = UpnChangeIn.model_validate({"new_upn": new_upn})
        changed = change_upn(
            session,
            principal=person_principal(signed.person),
            upn=pupil.upn,
            new_upn=body.new_upn,
            settings=request.app.state.settings,
        )
        children_read(request, [changed.pupil.id])
        return _acted(changed.pupil.upn, "upn")

    refused = _form_refused(request, session, signed, pupil, {"new_upn": new_upn})
    return attempt(session, act, refused, fields=["new_upn"])


@router.post("/children/{upn}/date-of-birth")
def date_of_birth(
    upn: UpnInPath,
    request: Request,
    session: SessionDep,
    signed: CheckedForm,
    _officer: OfficerPage,
    date_of_birth: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Correct the register's date of birth for the child (a provider's record refused for
    another date, or a mistake put right)."""
    pupil = readable_child(request, session, signed, upn, lock=True)

    def act() -> Response:
        body = DateOfBirthIn.model_validate({"date_of_birth": date_of_birth})
        correct_date_of_birth(
            session,
            principal=person_principal(signed.person),
            child=pupil,
            date_of_birth=body.date_of_birth,
            settings=request.app.state.settings,
        )
        return _acted(pupil.upn, "date_of_birth")

    refused = _form_refused(request, session, signed, pupil, {"date_of_birth": date_of_birth})
    return attempt(session, act, refused, fields=["date_of_birth"])
