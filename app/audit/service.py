"""Recording and reading the audit trail: who read, wrote or was refused which child, when."""

from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import TypedDict, TypeVar

from fastapi import Request
from sqlalchemy import Integer, Select, Subquery, func, insert, literal, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.auth.schemas import Principal
from app.bulk import children, is_postgresql
from app.database import SessionDep
from app.models import AuditChild, AuditEvent, Pupil, UpnChange

# Refusals recorded beside the calls that succeeded: a caller probing for children or
# credentials leaves a trace even though its request's own transaction rolled back.
AUDITED_REFUSALS = frozenset({401, 403, 404, 409, 429})


@dataclass
class Touched:
    """The children one request read, wrote or was refused, gathered while it runs."""

    pupil_ids: set[int] = field(default_factory=set)
    count: int = 0  # children changed that cannot be named cheaply (a calendar re-judgement)
    # Children listed by a query of their ids (an extract's hundreds of thousands): named by
    # the database from the query, so the ids never pass through the service.
    listings: list[Select[int]] = field(default_factory=list)
    event: AuditEvent | None = None  # the request's event, once written


Row = TypeVar("Row")


def touched(request: Request) -> Touched:
    """The request's record of the children it touched."""
    state = request.state
    if not hasattr(state, "touched"):
        state.touched = Touched()
    found: Touched = state.touched
    return found


def children_read(request: Request, pupil_ids: Iterable[int]) -> None:
    """Note children a request read or wrote (or was refused); its audit event names them."""
    touched(request).pupil_ids.update(pupil_ids)


def children_listed(request: Request, listing: Select[int]) -> None:
    """Note the children a read lists, by the query of their ids; its audit event names them."""
    touched(request).listings.append(listing)


def children_sent(
    request: Request,
    session: Session,
    listing: Select[int],
    rows: Iterator[Row],
    pupil_id: Callable[[Row], int],
    *,
    batch: int = 2000,
) -> Iterator[Row]:
    """The rows of an answer streamed after the request's transaction, each child named in the
    trail. On PostgreSQL the event is written with the listing's count and each batch of rows
    is named, in a transaction of its own on a second connection, before it is sent: naming a
    million-child extract up front kept its first byte waiting seconds (docs/PERFORMANCE.md).
    On SQLite the stream holds the one connection, so the event names the listing itself."""
    if not is_postgresql(session):
        children_listed(request, listing)
        return rows
    found = touched(request)
    found.count += session.scalar(select(func.count()).select_from(listing.subquery())) or 0
    return named_in_batches(request.app.state.sessionmaker, found, rows, pupil_id, batch=batch)


def named_in_batches(
    make_session: "sessionmaker[Session]",
    found: Touched,
    rows: Iterator[Row],
    pupil_id: Callable[[Row], int],
    *,
    batch: int,
) -> Generator[Row]:
    """The rows, each batch's children named under the request's event before it is sent."""
    while chunk := list(islice(rows, batch)):
        assert found.event is not None, "the request's event is written before it responds"
        event_id = found.event.id
        with make_session.begin() as session:
            _name(session, event_id, children(session, "audited", map(pupil_id, chunk)))
        yield from chunk


def _name(session: Session, event_id: int, ids: Subquery) -> None:
    """Name the children of a row set of ids (``pupil_id``) under the event, in one statement."""
    session.execute(
        insert(AuditChild).from_select(
            ["pupil_id", "event_id"], select(ids.c.pupil_id, literal(event_id, Integer()))
        )
    )


def upns_read(request: Request, session: Session, upns: Iterable[str]) -> None:
    """Note the children a read showed by their current UPNs (answers that carry no ids)."""
    wanted = set(upns)
    if wanted:
        children_read(request, session.scalars(select(Pupil.id).where(Pupil.upn.in_(wanted))))


def record_event(
    session: Session,
    *,
    client_id: str,
    role: str,
    pupil_ids: Collection[int],
    action: str,
    method: str,
    path: str,
    query: dict[str, str],
    status: int,
    address: str | None,
    count: int = 0,
    listings: Sequence[Select[int]] = (),
) -> AuditEvent:
    """One audit event and a row per child it touched (named, or listed by ``listings``, which
    are counted first: the trail is append-only, so the event is written with its count)."""
    listed = [listing.subquery() for listing in listings]
    event = AuditEvent(
        client_id=client_id[:64],
        role=role[:20],
        action=action[:60],
        method=method[:10],
        path=path[:300],
        query=query,
        children=max(count, len(pupil_ids))
        + sum(session.scalar(select(func.count()).select_from(ids)) or 0 for ids in listed),
        status=status,
        address=address[:45] if address else None,
    )
    session.add(event)
    if pupil_ids:
        # One statement from one JSON document, however many children a page names.
        named = children(session, "audited", pupil_ids)
        listed.append(named)
    if listed:
        session.flush()
    for ids in listed:
        _name(session, event.id, ids)
    return event


def audit_trail(request: Request, session: SessionDep) -> Iterator[None]:
    """Record every successful authenticated call in the request's own transaction, so a read
    or write that is not recorded did not happen."""
    yield
    principal = getattr(request.state, "principal", None)
    if principal is None:  # the token endpoint: no caller yet, no children's data
        return
    found = touched(request)
    found.event = record_event(
        session,
        client_id=principal.client_id,
        role=principal.role,
        pupil_ids=found.pupil_ids,
        count=found.count,
        listings=found.listings,
        status=200,
        **_call(request),
    )


def record_refusal(session: Session, request: Request, status: int) -> None:
    """Record a refused call (in its own transaction: the call's has rolled back), with the
    caller if known, the client id it claimed otherwise, and any child it asked about."""
    principal: Principal | None = getattr(request.state, "principal", None)
    found = touched(request)
    record_event(
        session,
        client_id=principal.client_id if principal else getattr(request.state, "client_id", ""),
        role=principal.role if principal else "",
        pupil_ids=found.pupil_ids,
        status=status,
        **_call(request),
    )


class _Call(TypedDict):
    action: str
    method: str
    path: str
    query: dict[str, str]
    address: str | None


def _call(request: Request) -> _Call:
    route = request.scope.get("route")
    return {
        "action": getattr(route, "operation_id", None) or request.url.path,
        "method": request.method,
        "path": request.url.path,
        "query": dict(request.query_params),
        "address": request.client.host if request.client else None,
    }


def find_events(
    session: Session,
    *,
    client_id: str | None,
    action: str | None,
    pupil_ids: Collection[int] | None = None,
    first: date | None,
    last: date | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Events matching the filters, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if pupil_ids is not None:
        query = query.where(
            AuditEvent.id.in_(select(AuditChild.event_id).where(AuditChild.pupil_id.in_(pupil_ids)))
        )
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


def child_ids_for_upn(session: Session, upn: str) -> set[int]:
    """Every child record that is or was this UPN's child: the child at it, the one it belonged
    to before a UPN change, and any child merged into either."""
    changed = aliased(Pupil)
    roots = set(
        session.scalars(select(func.coalesce(Pupil.merged_into, Pupil.id)).where(Pupil.upn == upn))
    ) | set(
        session.scalars(
            select(func.coalesce(changed.merged_into, changed.id))
            .join(UpnChange, UpnChange.pupil_id == changed.id)
            .where(UpnChange.old_upn == upn)
        )
    )
    if not roots:
        return set()
    return roots | set(
        session.scalars(
            select(Pupil.id).where(or_(Pupil.merged_into.in_(roots), Pupil.id.in_(roots)))
        )
    )
