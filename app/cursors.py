"""Opaque page cursors: a position in an order, which clients pass back unread."""

import base64
import binascii
import json

from app.errors import InvalidContent

MAX_ID = 2**63 - 1


def encode_cursor(*position: int) -> str:
    """A cursor for a position given as whole numbers."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def decode_cursor(cursor: str, *, parameter: str, size: int) -> tuple[int, ...]:
    """The position a cursor names, or 422 naming the parameter it came in."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not (
            isinstance(position, list)
            and len(position) == size
            and all(type(value) is int and 0 <= value <= MAX_ID for value in position)
        ):
            raise ValueError(position)
        return tuple(position)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidContent(
            "The cursor is not one this API issued; start again without it.",
            errors=[{"parameter": parameter, "detail": "not a valid cursor"}],
        ) from exc
