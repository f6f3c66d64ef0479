"""Opaque page cursors: a position in an order, which clients pass back unread."""

import base64
import binascii
import json
from typing import Annotated

from fastapi import Query

from app.errors import InvalidContent

# Upper bounds of the columns cursors carry: 64-bit register numbers, 32-bit row ids.
MAX_NUMBER = 2**63 - 1
MAX_ID = 2**31 - 1
# A page's `cursor` parameter: what a client (or a fuzzer) cannot guess, the description says.
PageCursor = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Copied from `next`: an opaque cursor; any other value is refused (422).",
    ),
]


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
