"""Input types shared across the API: report dates, ids and text the databases can store."""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

LONDON = ZoneInfo("Europe/London")

# The register's dates stay in a range where week arithmetic cannot overflow.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)


def _in_range(day: date | None) -> date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return day


RegisterDate = Annotated[
    date,
    AfterValidator(_in_range),
    Field(description=f"A date from {EARLIEST} to {LATEST}; others are refused (422)."),
]
AsAt = Annotated[
    date | None,
    AfterValidator(_in_range),
    Query(
        description="Any day of the week to report on (YYYY-MM-DD), from "
        f"{EARLIEST} to {LATEST}; default today."
    ),
]
FromDate = Annotated[
    date | None,
    AfterValidator(_in_range),
    Query(alias="from", description=f"A date from {EARLIEST} to {LATEST}."),
]
ToDate = Annotated[
    date | None,
    AfterValidator(_in_range),
    Query(alias="to", description=f"A date from {EARLIEST} to {LATEST}."),
]
# Primary keys are 32-bit on both databases; a larger id is simply not one of ours.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _storable(text: str) -> str:
    # PostgreSQL cannot store NUL, and a lone surrogate (from a JSON escape) is not UTF-8.
    if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
        raise ValueError("contains a NUL or an unpaired surrogate character")
    return text


# Every free-text field the API takes is one of these.
Text = Annotated[str, AfterValidator(_storable)]


def today() -> date:
    """Today's date in England, where the register's weeks begin."""
    return datetime.now(LONDON).date()


def field_error(model: str, field: str, message: str) -> ValidationError:
    """A validation error located at one field, for checks that span fields: raised from a
    model validator, it keeps its place (``/records/3/field``) in the request's errors."""
    error = PydanticCustomError("field_pair", message)
    return ValidationError.from_exception_data(
        model, [InitErrorDetails(type=error, loc=(field,), input=None)]
    )


async def _raw_body(request: Request) -> bytes:
    return await request.body()


# A request body as sent, for endpoints that parse it themselves.
RawBody = Annotated[bytes, Depends(_raw_body)]
