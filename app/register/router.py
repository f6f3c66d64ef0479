"""The register: every child's status as at a week, most urgent first."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_

from app.auth.dependencies import OfficerPrincipal
from app.cursors import MAX_ID, decode_cursor, encode_cursor
from app.database import SessionDep
from app.inputs import LATEST, AsAt, today
from app.models import PupilWeek
from app.register.listing import RegisterFilter, register_conditions
from app.register.queries import children_with_judgements, first_children_as_at
from app.register.rules import monday_of, threshold_for
from app.register.schemas import PupilStatus
from app.register.service import load_calendar, register_week_of
from app.register.status import statuses
from app.vocabulary import Hours, ProvisionType

router = APIRouter(tags=["register"])


class RegisterPage(BaseModel):
    week_commencing: date
    threshold_hours: Hours
    items: list[PupilStatus]
    next: str | None = Field(description="URL of the next page, or null on the last page.")


@router.get("/register", operation_id="list_register")
def register(
    request: Request,
    session: SessionDep,
    principal: OfficerPrincipal,
    as_at: AsAt = None,
    below_threshold: bool | None = None,
    min_weeks_below: Annotated[int | None, Query(ge=1, le=520)] = None,
    provision_type: ProvisionType | None = None,
    provider_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> RegisterPage:
    """Every child on the register as at the week containing `as_at`, longest below threshold
    first (then by UPN). Filter by `below_threshold`, `min_weeks_below`, and by a provision type
    or provider in the week the child's status rests on. Follow `next` for more."""
    week = monday_of(as_at or today())
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen = RegisterFilter(
        below_threshold=below_threshold,
        min_weeks_below=min_weeks_below,
        provision_type=provision_type,
        provider_id=provider_id,
    )
    query = children_with_judgements().where(
        *register_conditions(chosen, week=week, calendar=calendar)
    )
    if cursor is not None:
        query = query.where(_after(*_decode(cursor)))
    rows = first_children_as_at(session, query, week_commencing=week, limit=limit + 1)
    page = rows[:limit]
    items = statuses(
        session,
        principal=principal,
        children=[(pupil, register_week_of(row)) for pupil, row in page],
        week_commencing=week,
        full_time_hours=settings.full_time_hours,
        calendar=calendar,
    )
    request.state.children = len(items)
    next_url = None
    if len(rows) > limit:
        _, last = page[-1]
        next_url = str(
            request.url.include_query_params(cursor=_encode(last.below_since, last.pupil_id))
        )
    return RegisterPage(
        week_commencing=week,
        threshold_hours=threshold_for(
            week, full_time_hours=settings.full_time_hours, calendar=calendar
        ),
        items=items,
        next=next_url,
    )


def _encode(below_since: date | None, pupil_id: int) -> str:
    # A run's first week as its day number; 0 for a child not below threshold.
    return encode_cursor(below_since.toordinal() if below_since else 0, pupil_id)


def _decode(cursor: str) -> tuple[date | None, int]:
    since, pupil_id = decode_cursor(cursor, parameter="cursor", limits=(LATEST.toordinal(), MAX_ID))
    return (date.fromordinal(since) if since else None), pupil_id


def _after(below_since: date | None, pupil_id: int) -> ColumnElement[bool]:
    """Rows after the cursor in register order."""
    if below_since is None:
        return and_(PupilWeek.below_since.is_(None), PupilWeek.pupil_id > pupil_id)
    return or_(
        PupilWeek.below_since > below_since,
        and_(PupilWeek.below_since == below_since, PupilWeek.pupil_id > pupil_id),
        PupilWeek.below_since.is_(None),
    )
