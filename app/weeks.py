"""The as-at date every read takes, defaulting to today in England."""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query

LONDON = ZoneInfo("Europe/London")

AsAt = Annotated[
    date | None,
    Query(description="Any day of the week to report on (YYYY-MM-DD); default today."),
]


def today() -> date:
    """Today's date in England, where the register's weeks begin."""
    return datetime.now(LONDON).date()
