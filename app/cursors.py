"""Opaque page cursors: a position in an order, which clients pass back unread."""

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, TypedDict

from fastapi import Query, Request
from pydantic import BaseModel, Field

from app.errors import InvalidContent

# Upper bounds of the columns cursors carry: 64-bit register numbers, 32-bit row ids.
MAX_NUMBER = 2**63 - 1
MAX_ID = 2**31 - 1


def encode_cursor(*position: int) -> str:
    """A cursor for a position given as whole numbers."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def decode_cursor(cursor: str, *, parameter: str, limits: tuple[int, ...]) -> tuple[int, ...]:
    """The position a cursor names (each number from 0 to its limit), or 422 naming the
    parameter it came in."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not (
            isinstance(position, list)
            and len(position) == len(limits)
            and all(
                type(value) is int and 0 <= value <= limit
                for value, limit in zip(position, limits, strict=True)
            )
        ):
            raise ValueError(position)
        return tuple(position)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidContent(
            "The cursor is not one this API issued; start again without it.",
            errors=[{"parameter": parameter, "detail": "not a valid cursor"}],
        ) from exc


def decode_version_cursor(cursor: str, *, parameter: str) -> tuple[int, int]:
    """A position among history rows in commit order: (revisions.number, history row id)."""
    number, version_id = decode_cursor(cursor, parameter=parameter, limits=(MAX_NUMBER, MAX_ID))
    return number, version_id


# Every paged read takes its position as `cursor` and every page carries the next one, so a
# typed client pages without parsing URLs.
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Where to continue: the `cursor` of the page before (none for the first), "
        "an opaque cursor; any value this API did not issue is refused (422).",
    ),
]


class Page(BaseModel):
    """The two fields every page continues by."""

    cursor: str | None = Field(
        description="Pass as the `cursor` parameter for the next page; null on the last page."
    )
    next: str | None = Field(
        description="URL of the next page (this request with `cursor` set), or null on the last."
    )


class Continuation(TypedDict):
    cursor: str | None
    next: str | None


def continuation(
    request: Request, cursor: str | None, *, replacing: Sequence[str] = ()
) -> Continuation:
    """A page's `cursor` and `next`: this request with `cursor` set, without the deprecated
    position parameters (`replacing`) it may have come with."""
    if cursor is None:
        return {"cursor": None, "next": None}
    url = request.url.remove_query_params(list(replacing)).include_query_params(cursor=cursor)
    return {"cursor": cursor, "next": str(url)}


def decode_id_cursor(cursor: str) -> int:
    """The row id a newest-first cursor names."""
    (row_id,) = decode_cursor(cursor, parameter="cursor", limits=(MAX_ID,))
    return row_id
