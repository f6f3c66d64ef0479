"""A spreadsheet's header: which record field each column holds, matched as people write
column names (any case, with or without spaces and underscores, and the names schools use)."""

import difflib
import re
from collections.abc import Sequence
from typing import Any

from app.provision.schemas import ProvisionRecordIn

COLUMNS = tuple(ProvisionRecordIn.model_fields)
REQUIRED = tuple(
    name for name, field in ProvisionRecordIn.model_fields.items() if field.is_required()
)
# Other names for a column, as they are written in school and provider spreadsheets.
ALIASES = {
    "dob": "date_of_birth",
    "birthdate": "date_of_birth",
    "w/c": "week_commencing",
    "wc": "week_commencing",
    "weekbeginning": "week_commencing",
    "weekstarting": "week_commencing",
    "hoursoffered": "hours",
    "hoursprovided": "hours",
    "hoursattended": "hours_attended",
    "reason": "reasons",
    "firstname": "given_name",
    "forename": "given_name",
    "surname": "family_name",
    "lastname": "family_name",
}
_IGNORED = re.compile(r"[\s_\-.]+")


def folded(name: str) -> str:
    """A column name without case, spaces, underscores, hyphens or dots: "Date of birth" and
    "date_of_birth" are the same column."""
    return _IGNORED.sub("", name).lower()


NAMES = {folded(name): name for name in COLUMNS} | ALIASES


def field_for(name: str) -> str | None:
    """The record field a header cell names, if any."""
    return NAMES.get(folded(name))


def suggestion(name: str) -> str:
    """ "; did you mean …?" for a header cell close to a column name, else nothing."""
    close = difflib.get_close_matches(folded(name), list(NAMES), 1)
    return f"; did you mean {NAMES[close[0]]}?" if close else ""


HEADER_ROWS = 10  # rows looked through for a header that is not the first


def misplaced_header(first_rows: Sequence[tuple[int, Sequence[str]]]) -> dict[str, Any] | None:
    """When the first row is not the header: where the header is, or that there is none.

    ``first_rows`` are the sheet's first rows (number, cells as text). The first is the header
    if it names two of the required columns, or any column at all when no later row does
    better; then the header's own checks name what is unknown or missing."""
    rows = [(number, cells) for number, cells in first_rows if any(cells)]
    if not rows or (rows[0][0] == 1 and _looks_like_header(rows[0][1])):
        return None
    found = next((number for number, cells in rows if _looks_like_header(cells)), None)
    if found is not None:
        above = found - 1
        return {
            "pointer": "",
            "row": found,
            "detail": f"the header row is row {found}, not row 1: delete the {above} "
            f"row{'s' * (above != 1)} above it and send it again",
        }
    if rows[0][0] == 1 and any(field_for(cell) for cell in rows[0][1]):
        return None
    return {
        "pointer": "",
        "row": 1,
        "detail": f"no header row in the first {HEADER_ROWS} rows: the first row must name the "
        f"columns, as the template's does ({', '.join(REQUIRED)}, …)",
    }


def header_problems(header: Sequence[str]) -> list[dict[str, Any]]:
    """Unknown columns (with the name meant, where it is plain), a column named twice, and
    required columns missing; each names the header cell."""
    problems: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for name in header:
        field = field_for(name)
        if field is None:
            problems.append(_header_error(name, "unknown column" + suggestion(name)))
        elif field in seen:
            problems.append(_header_error(name, f"the same column as {seen[field]!r}"))
        else:
            seen[field] = name
    return problems + [
        _header_error(name, "required column missing") for name in REQUIRED if name not in seen
    ]


def _header_error(column: str, detail: str) -> dict[str, Any]:
    return {"pointer": "", "row": 1, "column": column, "detail": detail}


def _looks_like_header(cells: Sequence[str]) -> bool:
    return len({field_for(cell) for cell in cells} & set(REQUIRED)) >= 2
