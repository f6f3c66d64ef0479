"""Recording and reading the audit trail."""

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from fastapi import Request
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from app.database import SessionDep
from app.models import AuditEvent


def audit_trail(request: Request, session: SessionDep) -> Iterator[None]:
    """Record every successful authenticated call in the request's own transaction, so a read
    or write that is not recorded did not happen."""
    yield
    principal = getattr(request.state, "principal", None)
    if principal is None:  # the token endpoint: no caller yet, no children's data
        return
    route = request.scope.get("route")
    session.add(
        AuditEvent(
            client_id=principal.client_id,
            role=principal.role,
            action=getattr(route, "operation_id", None) or request.url.path,
            method=request.method,
            path=request.url.path[:300],
            query=dict(request.query_params),
            children=getattr(request.state, "children", 0),
        )
    )


def find_events(
    session: Session,
    *,
    client_id: str | None,
    action: str | None,
    first: date | None,
    last: date | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Events matching the filters, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if client_id is not None:
        query = query.where(AuditEvent.client_id == client_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if first is not None:
        query = query.where(AuditEvent.occurred_at >= first)
    if last is not None:
        query = query.where(AuditEvent.occurred_at < last + timedelta(days=1))
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return session.scalars(query).all()


def events_naming(session: Session, *, upns: Sequence[str], limit: int) -> Sequence[AuditEvent]:
    """Calls and page views that named the child by any of its UPNs, newest first (what a
    subject access request or the DPO asks: who looked at this child's record, and when)."""
    named = [
        or_(AuditEvent.path.contains(upn), cast(AuditEvent.query, String).contains(upn))
        for upn in upns
    ]
    return session.scalars(
        select(AuditEvent).where(or_(*named)).order_by(AuditEvent.id.desc()).limit(limit)
    ).all()
