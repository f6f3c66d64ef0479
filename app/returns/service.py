"""Who was due a weekly return and what arrived: a provider is due one for every term week in
which it has a child whose provision with it is open (rule 6), until it ends that provision."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from app.errors import InvalidContent
from app.models import NilReturn, Provider, Provision, ProvisionRecord, Pupil
from app.register.queries import open_in
from app.register.rules import WEEK, SchoolCalendar, monday_of
from app.returns.schemas import ChildDue, ReturnLine, ReturnStatus

DAY = timedelta(days=1)


def due_by(week_commencing: date, working_days: int) -> date:
    """The last day a week's return is on time: that many working days after the week ends."""
    day = week_commencing + 6 * DAY  # the week's Sunday
    while working_days:
        day += DAY
        working_days -= day.weekday() < 5
    return day


def last_week_due(day: date, *, calendar: SchoolCalendar, working_days: int) -> date | None:
    """The latest term week whose return was due before ``day``: the one it is late for."""
    week = monday_of(day) - WEEK
    while due_by(week, working_days) >= day:
        week -= WEEK
    return calendar.term_week_ending(week, 1)


def record_nil_return(
    session: Session, *, provider_id: int, week_commencing: date, client_id: str, this_week: date
) -> bool:
    """Record that the provider had no children to report; True if it is new."""
    if week_commencing > this_week:
        raise InvalidContent(
            "A nil return is for a week that has begun.",
            errors=[{"pointer": "/week_commencing", "detail": "a future week"}],
        )
    if session.get(Provider, provider_id) is None:
        raise InvalidContent(
            f"No provider {provider_id}.",
            errors=[{"pointer": "/provider_id", "detail": "no such provider"}],
        )
    due = _due(session, week_commencing, provider_id).get(provider_id)
    if due:
        raise InvalidContent(
            f"Provision for {due[0]} children is open with this provider that week: send their "
            "records (or end the provision) instead of a nil return.",
            errors=[{"pointer": "/week_commencing", "detail": "children are due this week"}],
        )
    known = session.scalar(
        select(NilReturn.id).where(
            NilReturn.provider_id == provider_id, NilReturn.week_commencing == week_commencing
        )
    )
    if known is None:
        session.add(
            NilReturn(provider_id=provider_id, week_commencing=week_commencing, client_id=client_id)
        )
        session.flush()
    return known is None


class MissingChild(NamedTuple):
    id: int
    upn: str
    given_name: str | None
    family_name: str | None


@dataclass(frozen=True)
class WeekReturns:
    """Each provider's line for a week, and per provider the children missing from its return
    (read once, for the answer and the audit trail)."""

    lines: list[ReturnLine]
    missing: dict[int, list[MissingChild]]

    def missing_ids(self) -> Iterator[int]:
        return (child.id for children in self.missing.values() for child in children)


def returns_for(
    session: Session, *, week_commencing: date, calendar: SchoolCalendar, provider_id: int | None
) -> WeekReturns:
    """Each provider with children due in the week, or a nil return for it, and its status."""
    due = (
        _due(session, week_commencing, provider_id)
        if calendar.is_term_week(week_commencing)
        else {}
    )
    nil = select(NilReturn.provider_id).where(NilReturn.week_commencing == week_commencing)
    if provider_id is not None:
        nil = nil.where(NilReturn.provider_id == provider_id)
    nil_returns = set(session.scalars(nil))
    providers = session.execute(
        select(Provider.id, Provider.name, Provider.kind)
        .where(Provider.id.in_(due.keys() | nil_returns))
        .order_by(Provider.name, Provider.id)
    )
    lines = []
    for provider, name, kind in providers:
        children_due, returned = due.get(provider, (0, 0))
        lines.append(
            ReturnLine(
                provider_id=provider,
                provider_name=name,
                provider_kind=kind,
                children_due=children_due,
                children_returned=returned,
                status=_status(children_due, returned),
            )
        )
    missing = _children_missing(
        session,
        week_commencing=week_commencing,
        provider_ids=[
            line.provider_id for line in lines if line.children_due > line.children_returned
        ],
    )
    for line in lines:
        line.children_missing = [
            ChildDue(upn=pupil.upn, week_commencing=week_commencing)
            for pupil in missing.get(line.provider_id, [])
        ]
    return WeekReturns(lines, missing)


def late_providers(
    session: Session, *, week_commencing: date, calendar: SchoolCalendar
) -> list[ReturnLine]:
    """Providers that sent nothing, not even a nil return, for a term week they were due.

    Asked on every alerts request, so it looks per provider first (one index probe each for a
    record that week) and counts the children due only for those that sent nothing."""
    if not calendar.is_term_week(week_commencing):
        return []
    sent = exists().where(
        ProvisionRecord.provider_id == Provider.id,
        ProvisionRecord.week_commencing == week_commencing,
    )
    nil = exists().where(
        NilReturn.provider_id == Provider.id, NilReturn.week_commencing == week_commencing
    )
    silent = list(session.scalars(select(Provider.id).where(~sent, ~nil)))
    due = (
        select(Provision.provider_id, func.count(distinct(Provision.pupil_id)).label("children"))
        .where(Provision.provider_id.in_(silent), open_in(week_commencing))
        .group_by(Provision.provider_id)
        .subquery()
    )
    late = session.execute(
        select(Provider.id, Provider.name, Provider.kind, due.c.children)
        .join(due, due.c.provider_id == Provider.id)
        .order_by(Provider.name, Provider.id)
    )
    return [
        ReturnLine(
            provider_id=provider,
            provider_name=name,
            provider_kind=kind,
            children_due=children,
            children_returned=0,
            status=ReturnStatus.missing,
        )
        for provider, name, kind, children in late
    ]


def _status(due: int, returned: int) -> ReturnStatus:
    if not due:
        return ReturnStatus.nil_return
    if not returned:
        return ReturnStatus.missing
    return ReturnStatus.received if returned >= due else ReturnStatus.partial


def _returned(week: date) -> ColumnElement[bool]:
    """The provider sent a record for the week of this arrangement, open in it. An arrangement
    holds its records from its first week to its last (rule 6), and no other arrangement of the
    child with that provider is open in the week: so a record is looked up only for a week
    before its last, not for the week just past that the LA usually asks about."""
    sent = exists().where(
        ProvisionRecord.pupil_id == Provision.pupil_id,
        ProvisionRecord.provider_id == Provision.provider_id,
        ProvisionRecord.week_commencing == week,
    )
    return or_(Provision.last_week == week, and_(Provision.last_week > week, sent))


def _due(session: Session, week: date, provider_id: int | None) -> dict[int, tuple[int, int]]:
    """Per provider: children with provision open in the week, and those it sent a record for
    (a child has one arrangement with a provider open in a week, so each is a child)."""
    query = (
        select(Provision.provider_id, func.count(), func.count().filter(_returned(week)))
        .where(open_in(week))
        .group_by(Provision.provider_id)
    )
    if provider_id is not None:
        query = query.where(Provision.provider_id == provider_id)
    return {provider: (due, returned) for provider, due, returned in session.execute(query)}


def _children_missing(
    session: Session, *, week_commencing: date, provider_ids: list[int]
) -> dict[int, list[MissingChild]]:
    """Per provider (of these), the children whose provision with it is open in the week but
    who are missing from its return, by family name (what the LA chases the provider for)."""
    if not provider_ids:
        return {}
    missing: dict[int, list[MissingChild]] = {}
    for provider_id, pupil_id, upn, given_name, family_name in session.execute(
        select(Provision.provider_id, Pupil.id, Pupil.upn, Pupil.given_name, Pupil.family_name)
        .join(Pupil, Pupil.id == Provision.pupil_id)
        .where(
            open_in(week_commencing),
            ~_returned(week_commencing),
            Provision.provider_id.in_(provider_ids),
        )
        .order_by(Provision.provider_id, Pupil.family_name, Pupil.upn)
    ):
        child = MissingChild(pupil_id, upn, given_name, family_name)
        missing.setdefault(provider_id, []).append(child)
    return missing
