"""The week a page reports on: chosen in the address, else the last term week that ended."""

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from app.inputs import RegisterDate, today
from app.register.rules import WEEK, SchoolCalendar, monday_of

WeekParam = Annotated[
    RegisterDate | None, AfterValidator(lambda day: monday_of(day) if day else None), Query()
]


def week_or_default(week: date | None, calendar: SchoolCalendar) -> date:
    """The week asked for, or the last term week that has ended."""
    if week is not None:
        return week
    last_ended = monday_of(today()) - WEEK
    return calendar.term_week_ending(last_ended, 1) or last_ended
