"""Query and form values as browsers send them: an empty field means "not chosen"."""

from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator

T = TypeVar("T")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# A select left on "Any" or an empty text box arrives as "", which is no choice at all.
Blank = Annotated[T | None, BeforeValidator(_blank_is_none)]
