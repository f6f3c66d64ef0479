"""A child's status and history."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from app.auth.dependencies import PupilReaderPrincipal
from app.database import SessionDep
from app.errors import InvalidContent
from app.inputs import AsAt, FromDate, ToDate, today
from app.pupils.schemas import PupilWeeks
from app.pupils.service import readable_pupil, week_details
from app.pupils.upn import normalise_upn
from app.register.rules import WEEK, monday_of
from app.register.schemas import NamedPupilStatus, PupilStatus
from app.register.service import latest_judgements, load_calendar
from app.register.status import statuses

router = APIRouter(prefix="/pupils", tags=["pupils"])

MAX_WEEKS = 260
UpnPath = Annotated[str, Path(min_length=1, max_length=20, examples=["B801200005001"])]


@router.get(
    "/{upn}",
    operation_id="get_pupil_status",
    response_model=NamedPupilStatus | PupilStatus,
)
def pupil_status(
    upn: UpnPath,
    request: Request,
    session: SessionDep,
    principal: PupilReaderPrincipal,
    as_at: AsAt = None,
) -> PupilStatus:
    """A child's status as at the week containing `as_at` (default today): hours across all
    providers, whether below threshold, since when and for how many term weeks."""
    pupil = readable_pupil(session, principal=principal, upn=_valid_upn(upn))
    week = monday_of(as_at or today())
    latest = latest_judgements(session, pupil_ids=[pupil.id], on_or_before=week).get(pupil.id)
    settings = request.app.state.settings
    [status] = statuses(
        session,
        principal=principal,
        children=[(pupil, latest)],
        week_commencing=week,
        full_time_hours=settings.full_time_hours,
        calendar=load_calendar(session),
        with_names=True,
    )
    request.state.children = 1
    return status


@router.get("/{upn}/weeks", operation_id="get_pupil_weeks")
def pupil_weeks(
    upn: UpnPath,
    request: Request,
    session: SessionDep,
    principal: PupilReaderPrincipal,
    first: FromDate = None,
    last: ToDate = None,
) -> PupilWeeks:
    """Week by week from `from` to `to` (default the 12 weeks to today): each week's total,
    threshold, whether below, whether unreported, and per-provider hours you may see."""
    pupil = readable_pupil(session, principal=principal, upn=_valid_upn(upn))
    last_week = monday_of(last or today())
    first_week = monday_of(first) if first else last_week - 11 * WEEK
    if first_week > last_week:
        raise InvalidContent(
            "from is after to.", errors=[{"parameter": "from", "detail": "after to"}]
        )
    if (last_week - first_week) // WEEK >= MAX_WEEKS:
        raise InvalidContent(
            f"At most {MAX_WEEKS} weeks at a time.",
            errors=[{"parameter": "from", "detail": f"range exceeds {MAX_WEEKS} weeks"}],
        )
    request.state.children = 1
    return PupilWeeks(
        upn=pupil.upn,
        weeks=week_details(
            session,
            principal=principal,
            pupil=pupil,
            first=first_week,
            last=last_week,
            full_time_hours=request.app.state.settings.full_time_hours,
            calendar=load_calendar(session),
        ),
    )


def _valid_upn(upn: str) -> str:
    try:
        return normalise_upn(upn)
    except ValueError as exc:
        raise InvalidContent(
            f"Not a valid UPN: {exc}", errors=[{"parameter": "upn", "detail": str(exc)}]
        ) from exc
