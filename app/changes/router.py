"""The change feed: every change to children's records, ends and register places, in commit
order, so an LA system can keep its own copy of the register."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.audit.service import children_read
from app.auth.dependencies import OfficerPrincipal
from app.changes.schemas import Change, ChangesPage
from app.changes.service import changes_after
from app.cursors import decode_version_cursor, encode_cursor
from app.database import SessionDep
from app.history.schemas import HistoryEntry

router = APIRouter(tags=["changes"])


@router.get("/changes", operation_id="list_changes")
def changes(
    request: Request,
    session: SessionDep,
    _reader: OfficerPrincipal,
    after: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The cursor of the last change already read, copied from an answer: "
            "opaque; any other value is refused (422).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangesPage:
    """Every change since `after`, in the order the changes committed: records created,
    replaced and withdrawn, provision ended (or an end replaced), and a child left with no open
    provision (`left_register`). Each carries the child's current UPN and its own cursor. Follow
    `next`; an empty page means you are caught up, so poll `next` again later. A child ageing
    out of compulsory school age is not a write: read it from the status."""
    position = decode_version_cursor(after, parameter="after") if after else None
    found = changes_after(session, after=position, limit=limit)
    items = [
        Change(
            **HistoryEntry.of(version, revision).model_dump(),
            upn=upn,
            number=revision.number or 0,
            cursor=encode_cursor(revision.number or 0, version.id),
        )
        for version, revision, upn in found
    ]
    children_read(request, (version.pupil_id for version, _, _ in found))
    last = items[-1].cursor if items else after
    return ChangesPage(
        items=items,
        after=last,
        next=str(request.url.include_query_params(after=last)) if last else None,
    )
