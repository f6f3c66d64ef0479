"""The audit trail, for administrators."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.audit.service import child_ids_for_upn, find_events
from app.auth.dependencies import AdminPrincipal
from app.cursors import Cursor, Page, continuation, decode_id_cursor, encode_cursor
from app.database import SessionDep
from app.history.schemas import utc
from app.inputs import FromDate, Text, ToDate
from app.pupils.dependencies import valid_upn

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    client_id: str
    role: str
    action: str
    method: str
    path: str
    query: dict[str, str]
    children: int = Field(description="How many children's records were read or written.")

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        return utc(moment)

    status: int = Field(description="The answer's status: refused calls are recorded too.")
    address: str | None = Field(description="The caller's network address.")


class AuditPage(Page):
    items: list[AuditEventOut]


@router.get("", operation_id="list_audit_events")
def audit_events(
    request: Request,
    session: SessionDep,
    _admin: AdminPrincipal,
    upn: Annotated[
        Text | None,
        Query(
            max_length=20,
            description="Only events that touched this child (now or formerly at this UPN).",
        ),
    ] = None,
    client_id: Annotated[Text | None, Query(max_length=64)] = None,
    action: Annotated[Text | None, Query(max_length=60, examples=["get_pupil_status"])] = None,
    first: FromDate = None,
    last: ToDate = None,
    cursor: Cursor = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, deprecated=True, description="Use `cursor`.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """Who read or wrote children's data, newest first. Every successful authenticated call is
    recorded in the same transaction as the call itself, naming each child it read or wrote
    (list reads, extracts, the change feed and batches included); calls refused with 401, 403,
    404, 409 or 429 are recorded too, with the client, address and status. With `upn`, every
    event that touched that child: "who has seen this child, and when?". The database refuses
    to change or delete a record."""
    events = find_events(
        session,
        pupil_ids=child_ids_for_upn(session, valid_upn(upn)) if upn is not None else None,
        client_id=client_id,
        action=action,
        first=first,
        last=last,
        before_id=decode_id_cursor(cursor) if cursor else before_id,
        limit=limit,
    )
    older = encode_cursor(events[-1].id) if len(events) == limit else None
    return AuditPage(
        items=[AuditEventOut.model_validate(e) for e in events],
        **continuation(request, older, replacing=["before_id"]),
    )
