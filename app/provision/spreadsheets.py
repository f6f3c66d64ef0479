"""Weekly returns as spreadsheets, for providers with no MIS: a CSV or Excel file whose columns
are a record's fields becomes the same batch a JSON push is, so every rule is the same, and
each error also names the sheet's row and column so a person can find the cell."""

import csv
import difflib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import TypeAdapter, ValidationError

from app.errors import InvalidContent, json_pointer
from app.provision.schemas import ProvisionBatchIn, ProvisionRecordIn
from app.vocabulary import EndReason, ExclusionType, ProvisionType, Reason

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = tuple(ProvisionRecordIn.model_fields)
REQUIRED = tuple(
    name for name, field in ProvisionRecordIn.model_fields.items() if field.is_required()
)
LISTS = {"reasons"}  # cells holding several codes, separated by ";"
CODE_LISTS: dict[str, type[Enum]] = {
    "provision_type": ProvisionType,
    "reasons": Reason,
    "exclusion_type": ExclusionType,
    "end_reason": EndReason,
}
# The example the API description shows, as the template's example row.
EXAMPLE: dict[str, Any] = ProvisionRecordIn.model_json_schema()["examples"][0]


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet's rows as a record's fields, with each row's number in the sheet."""

    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]


def read_sheet(raw: bytes, media_type: str) -> Sheet:
    """The rows of a CSV file or an Excel workbook (one per record), or a problem naming what
    is wrong."""
    return _checked(_xlsx_rows(raw) if media_type == XLSX else _csv_rows(raw))


def validate_sheet(sheet: Sheet, adapter: TypeAdapter[ProvisionBatchIn]) -> ProvisionBatchIn:
    """The sheet as a batch, by the JSON path's own rules; each error adds its row and column."""
    records = [
        {name: _field(name, value) for name, value in row.items() if value not in (None, "")}
        for _, row in sheet.rows
    ]
    try:
        return adapter.validate_python({"records": records})
    except ValidationError as exc:
        count = exc.error_count()
        raise InvalidContent(
            f"{count} invalid cell{'s' * (count != 1)}; nothing was stored.",
            errors=[_cell_error(sheet, error) for error in exc.errors()],
        ) from exc


def template_csv() -> bytes:
    """A CSV template: the header and one example row (with Excel's BOM, so it opens as UTF-8)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(_example_row())
    return text.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """An Excel template: the header and one example row, and a sheet listing every code."""
    book = Workbook()
    records = book.active
    assert records is not None
    records.title = "Records"
    records.append(list(COLUMNS))
    records.append(_example_row())
    for index, name in enumerate(COLUMNS, start=1):
        records.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 2)
    codes = book.create_sheet("Codes")
    codes.append(["column", "code"])
    for column, enum in CODE_LISTS.items():
        for member in enum:
            codes.append([column, member.value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _example_row() -> list[str]:
    return [_cell_text(EXAMPLE.get(name)) for name in COLUMNS]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return str(value)


def _csv_rows(raw: bytes) -> Iterator[list[Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidContent(
            'The file is not UTF-8 text. In Excel, save it as "CSV UTF-8 (Comma delimited)" '
            "and send it again.",
            errors=[{"pointer": "", "detail": f"byte {exc.start} is not UTF-8"}],
        ) from exc
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal separator is ","; a header never holds either else.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(raw: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise InvalidContent(
            "The file is not an Excel workbook (.xlsx).",
            errors=[{"pointer": "", "detail": str(exc) or type(exc).__name__}],
        ) from exc
    header: list[Any] = []
    for number, cells in enumerate(book.worksheets[0].iter_rows(), start=1):
        values = []
        for index, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                place = f"{get_column_letter(index + 1)}{number}"
                raise InvalidContent(
                    f"Cell {place} holds a formula; paste values only and send it again.",
                    errors=[
                        {
                            "pointer": "",
                            "row": number,
                            "column": _cell_text(header[index]) if index < len(header) else place,
                            "detail": "a formula, not a value",
                        }
                    ],
                )
            values.append(cell.value)
        header = header or values
        yield values
    book.close()


def _checked(lines: Iterator[list[Any]]) -> Sheet:
    """The header checked against the record's fields, then each row by it."""
    header = [_cell_text(name).strip() for name in next(lines, [])]
    while header and not header[-1]:
        header.pop()  # Excel keeps formatted empty columns
    problems: list[dict[str, str | int]] = [
        {
            "pointer": "",
            "row": 1,
            "column": name,
            "detail": "unknown column"
            + "".join(
                f"; did you mean {close}?" for close in difflib.get_close_matches(name, COLUMNS, 1)
            ),
        }
        for name in header
        if name not in COLUMNS
    ]
    problems += [
        {"pointer": "", "row": 1, "column": name, "detail": "required column missing"}
        for name in REQUIRED
        if name not in header
    ]
    if problems:
        raise InvalidContent(
            "The header row does not match the template; nothing was stored.", errors=problems
        )
    rows = []
    for number, cells in enumerate(lines, start=2):
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        if not cells:
            continue  # blank lines between blocks of rows
        if len(cells) > len(header):
            raise InvalidContent(
                f"Row {number} has {len(cells)} cells but the header has {len(header)}.",
                errors=[{"pointer": "", "row": number, "detail": "more cells than the header"}],
            )
        rows.append((number, dict(zip(header, cells, strict=False))))
    if not rows:
        raise InvalidContent(
            "The file has no records under its header.",
            errors=[{"pointer": "/records", "detail": "no rows"}],
        )
    return Sheet(header, rows)


def _field(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()  # Excel keeps dates as midnight
    if isinstance(value, str):
        value = value.strip()
        if name in LISTS:
            return [code.strip() for code in value.split(";") if code.strip()]
    return value


def _cell_error(sheet: Sheet, error: Any) -> dict[str, Any]:
    location: Sequence[Any] = error["loc"]
    entry: dict[str, Any] = {
        "pointer": json_pointer(location),
        "detail": str(error["msg"]).removeprefix("Value error, "),
    }
    if len(location) >= 2 and location[0] == "records" and isinstance(location[1], int):
        entry["row"] = sheet.rows[location[1]][0]
        if len(location) >= 3 and location[2] in sheet.header:
            entry["column"] = location[2]
    return entry
