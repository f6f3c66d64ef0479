"""A child's status, week by week view and history."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from app.auth.dependencies import OfficerPrincipal, PupilReaderPrincipal
from app.database import SessionDep
from app.errors import InvalidContent
from app.history.schemas import History, HistoryEntry, utc
from app.history.service import versions_of
from app.inputs import AsAt, FromDate, Id, ToDate, today
from app.pupils.schemas import PupilWeeks, UpnChangeIn, UpnChangeOut
from app.pupils.service import readable_pupil, status_known_at, week_details
from app.pupils.upn import UPN_EXAMPLE, valid_upn
from app.pupils.upn_changes import change_upn
from app.register.rules import WEEK, monday_of
from app.register.schemas import NamedPupilStatus, PupilStatus
from app.register.service import latest_register_weeks, load_calendar
from app.register.status import previous_upns, statuses

router = APIRouter(prefix="/pupils", tags=["pupils"])

MAX_WEEKS = 260
UpnPath = Annotated[str, Path(min_length=1, max_length=20, examples=[UPN_EXAMPLE])]
AsKnownAt = Annotated[
    datetime | None,
    Query(
        description="An ISO 8601 timestamp: answer as the register knew it at that moment "
        "(UTC if no offset is given)."
    ),
]


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
    as_known_at: AsKnownAt = None,
) -> PupilStatus:
    """A child's status as at the week containing `as_at` (default today): whether on the
    register, hours across all providers, whether below threshold, since when and for how many
    term weeks. With `as_known_at`, the status as the register knew it at that moment."""
    pupil = readable_pupil(session, principal=principal, upn=valid_upn(upn))
    week = monday_of(as_at or today())
    settings = request.app.state.settings
    calendar = load_calendar(session)
    request.state.children = 1
    if as_known_at is not None:
        return status_known_at(
            session,
            principal=principal,
            pupil=pupil,
            week_commencing=week,
            moment=_past_moment(as_known_at),
            full_time_hours=settings.full_time_hours,
            calendar=calendar,
        )
    latest = latest_register_weeks(session, pupil_ids=[pupil.id], on_or_before=week)
    [status] = statuses(
        session,
        principal=principal,
        children=[(pupil, latest.get(pupil.id))],
        week_commencing=week,
        full_time_hours=settings.full_time_hours,
        calendar=calendar,
        with_names=True,
    )
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
    threshold, whether on the register and below, whether unreported, and per-provider hours
    you may see."""
    pupil = readable_pupil(session, principal=principal, upn=valid_upn(upn))
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


@router.get("/{upn}/history", operation_id="get_pupil_history")
def pupil_history(
    upn: UpnPath,
    request: Request,
    session: SessionDep,
    principal: OfficerPrincipal,
    before_id: Annotated[Id | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> History:
    """Every submission, replacement, withdrawal and end for the child, newest first, with the
    client that made it and when. Nothing sent to the register is ever lost."""
    pupil = readable_pupil(session, principal=principal, upn=valid_upn(upn))
    versions = versions_of(session, pupil_id=pupil.id, before_id=before_id, limit=limit)
    request.state.children = 1
    next_url = None
    if len(versions) == limit:
        next_url = str(request.url.include_query_params(before_id=versions[-1][0].id))
    return History(
        upn=pupil.upn,
        items=[HistoryEntry.of(version, revision) for version, revision in versions],
        next=next_url,
    )


@router.post(
    "/{upn}/upn-change",
    operation_id="change_pupil_upn",
    responses={
        404: {"description": "No child with that UPN (now or before)."},
        409: {
            "description": "The new UPN is another child's (another date of birth), or both "
            "have a record for the same week from the same provider; nothing was changed."
        },
    },
)
def upn_change(
    upn: UpnPath,
    body: UpnChangeIn,
    request: Request,
    session: SessionDep,
    principal: OfficerPrincipal,
) -> UpnChangeOut:
    """Give a child a new UPN (a temporary UPN replaced by a permanent one, or a mistake put
    right). The old UPN keeps finding the child and the change is in the child's history and
    the change feed. If a child with the same date of birth is already at the new UPN, the two
    are one child: their records are combined and every judgement made again."""
    changed = change_upn(
        session,
        principal=principal,
        upn=valid_upn(upn),
        new_upn=body.new_upn,
        settings=request.app.state.settings,
    )
    request.state.children = 2 if changed.merged else 1
    return UpnChangeOut(
        upn=changed.pupil.upn,
        previous_upns=previous_upns(session, [changed.pupil.id]).get(changed.pupil.id, []),
        merged=changed.merged,
    )


def _past_moment(moment: datetime) -> datetime:
    """A moment in UTC that is not in the future."""
    moment = utc(moment).astimezone(UTC)
    if moment > datetime.now(UTC):
        raise InvalidContent(
            "as_known_at is in the future; the register cannot know what it will know.",
            errors=[{"parameter": "as_known_at", "detail": "is in the future"}],
        )
    return moment
