"""Query and form values as browsers send them: an empty field means "not chosen"."""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Response
from pydantic import BeforeValidator, ValidationError
from sqlalchemy.orm import Session

from app.errors import ProblemError

T = TypeVar("T")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A select left on "Any" or an empty text box arrives as "", which is no choice at all.
Blank = Annotated[T | None, BeforeValidator(_blank_is_none)]


def field_errors(
    exc: ValidationError | ProblemError, fields: Sequence[str], *, prefix: str = ""
) -> dict[str, str]:
    """What to fix, by form field: from the schema's checks or the service's, as the API says."""
    found: dict[str, str] = {}
    if isinstance(exc, ValidationError):
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else fields[0]
            found.setdefault(prefix + (field if field in fields else fields[0]), error["msg"])
        return found
    for entry in exc.errors:
        field = str(entry.get("pointer", "")).strip("/").split("/")[0]
        found.setdefault(prefix + (field if field in fields else fields[0]), str(entry["detail"]))
    return found or {prefix + fields[0]: exc.detail}


def attempt(
    session: Session,
    act: Callable[[], Response],
    refused: Callable[[dict[str, str]], Response],
    *,
    fields: Sequence[str],
    prefix: str = "",
) -> Response:
    """Make a form's change, or undo all of it and answer with the form and what to fix."""
    try:
        return act()
    except (ValidationError, ProblemError) as exc:
        session.rollback()
        return refused(field_errors(exc, fields, prefix=prefix))
