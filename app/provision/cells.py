"""A spreadsheet cell's value as a record's field, read the way people type it in Excel: dates
as 30/11/2026, 30/11/26 or 2026-11-30 (or a date cell), several codes separated by ";". What
cannot be read is refused with a message that says how to write it."""

import calendar
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.provision.schemas import ProvisionRecordIn

DATES = frozenset(
    name
    for name, field in ProvisionRecordIn.model_json_schema()["properties"].items()
    if field.get("format") == "date"
    or any(option.get("format") == "date" for option in field.get("anyOf", []))
)
HOURS = frozenset({"hours", "hours_attended"})
LISTS = frozenset({"reasons"})  # cells holding several codes, separated by ";"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
DECIMAL_COMMA = re.compile(r"\d*,\d+")


class CellError(ValueError):
    """A cell that cannot be read as its column's field; the message says how to write it."""


def cell_value(name: str, value: Any) -> Any:
    """The field's value from a cell, for the record's own validation to check."""
    if isinstance(value, datetime):
        return value.date()  # Excel keeps dates as midnight
    if isinstance(value, (int, float, Decimal)) and name in DATES:
        raise CellError("a number, not a date: format the cell as a date, or write 30/11/2026")
    if not isinstance(value, str):
        return value
    value = value.strip()
    if name in LISTS:
        return [code.strip() for code in value.split(";") if code.strip()]
    if name in DATES:
        return _date(value)
    if name in HOURS and DECIMAL_COMMA.fullmatch(value):
        raise CellError(
            f"hours use a decimal point, not a comma: write {value.replace(',', '.')}, not {value}"
        )
    return value


def cell_text(value: Any) -> str:
    """A value as a CSV cell holds it: codes joined by ";", nothing for none."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def _date(text: str) -> date | str:
    if ISO_DATE.fullmatch(text):
        return text  # checked by the record's own rules, as from JSON
    found = UK_DATE.fullmatch(text)
    if found is None:
        raise CellError(f"{text!r} is not a date: write it as 30/11/2026 or 2026-11-30")
    day, month, year = (int(part) for part in found.groups())
    if len(found.group(3)) == 2:
        year += 2000  # the children and their weeks are all this century
    if not 1 <= month <= 12:
        raise CellError(f"{text} is not a date: there is no month {month} (day/month/year)")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise CellError(
            f"{text} is not a date: {calendar.month_name[month]} {year} has {days} days"
        )
    return date(year, month, day)
