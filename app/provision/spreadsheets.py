"""Weekly returns as spreadsheets, for providers with no MIS: a CSV or Excel file whose columns
are a record's fields becomes the same batch a JSON push is, so every rule is the same, and
each error also names the sheet's row and column so a person can find the cell."""

import csv
import io
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile, LargeZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser
from pydantic import TypeAdapter, ValidationError

from app.errors import InvalidContent, PayloadTooLarge, ProblemError, json_pointer
from app.provision.cells import cell_text
from app.provision.columns import (
    COLUMNS,
    HEADER_ROWS,
    field_for,
    header_problems,
    misplaced_header,
)
from app.provision.schemas import ProvisionBatchIn
from app.provision.sheet_rows import read_rows
from app.provision.workbooks import hidden_row, is_hidden, later_sheet_with_records, merged_cells

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What one upload may cost to read, checked as it streams in: a workbook's declared size is
# never believed (openpyxl would fill each row to it), so a 6 KB file cannot take minutes.
MAX_COLUMNS = 4 * len(COLUMNS)  # room for a few columns of notes beside the template's
UNZIPPED_BYTES = 32 * 1024 * 1024  # a full 5,000-row workbook is under 4 MB of XML
READ_SECONDS = 5.0
# What a workbook that is not one makes openpyxl, zipfile or the XML parser raise (defusedxml's
# refusals of entities are ValueErrors); anything else is a bug, not a bad file.
NOT_A_WORKBOOK = (
    BadZipFile,
    LargeZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    ParseError,
    EOFError,
    zlib.error,
)


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet's rows as a record's fields, with each row's number in the sheet and each
    field's column as the sheet names it."""

    labels: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]]


@dataclass
class Budget:
    """How many records one upload may hold and when reading it must have finished."""

    records: int
    deadline: float = field(default_factory=lambda: time.monotonic() + READ_SECONDS)

    def check_time(self) -> None:
        """413 once reading has taken longer than any honest file needs."""
        if time.monotonic() > self.deadline:
            raise PayloadTooLarge(
                f"The file took more than {READ_SECONDS:g} s to read; nothing was stored. "
                "Send it as smaller files, or save it afresh from the template.",
                errors=[{"pointer": "", "detail": "too large to read in time"}],
            )


def read_sheet(raw: bytes, media_type: str, *, max_records: int) -> Sheet:
    """The rows of a CSV file or an Excel workbook (one per record), or a problem naming what
    is wrong; reading stops at the first row or column past the limits."""
    budget = Budget(records=max_records)
    lines = _xlsx_rows(raw, budget) if media_type == XLSX else _csv_rows(raw)
    return _checked(lines, budget)


SHEET_BATCH = TypeAdapter(ProvisionBatchIn)


def read_upload(raw: bytes, media_type: str, *, max_records: int) -> ProvisionBatchIn:
    """A CSV or Excel upload as a batch, or a problem naming each cell that is wrong."""
    return validate_sheet(read_sheet(raw, media_type, max_records=max_records), SHEET_BATCH)


def too_many_records(most: int) -> ProblemError:
    """The answer to a batch with more records than one may hold."""
    return ProblemError(
        f"At most {most} records per batch; split the submission.",
        errors=[{"pointer": "/records", "detail": f"more than {most} records"}],
    )


def validate_sheet(sheet: Sheet, adapter: TypeAdapter[ProvisionBatchIn]) -> ProvisionBatchIn:
    """The sheet as a batch, by the JSON path's own rules; each error adds its row and column."""
    records, errors = read_rows(sheet.rows, sheet.labels)
    try:
        batch = adapter.validate_python({"records": records})
    except ValidationError as exc:
        seen = {error["pointer"] for error in errors}
        errors += [
            error
            for error in (_cell_error(sheet, error) for error in exc.errors())
            if error["pointer"] not in seen
        ]
    if errors:
        errors.sort(key=lambda error: (error.get("row", 0), error["pointer"]))
        raise InvalidContent(
            f"{len(errors)} invalid cell{'s' * (len(errors) != 1)}; nothing was stored.",
            errors=errors,
        )
    return batch


def _csv_rows(raw: bytes) -> Iterator[tuple[int, list[Any]]]:
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
    lines = enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    number = 1
    try:
        for number, cells in lines:
            yield number, cells
    except csv.Error as exc:  # a field over the csv module's limit, or a NUL
        raise InvalidContent(
            f"Row {number + 1} cannot be read as CSV: {exc}.",
            errors=[{"pointer": "", "row": number + 1, "detail": str(exc)}],
        ) from exc


def _xlsx_rows(raw: bytes, budget: Budget) -> Iterator[tuple[int, list[Any]]]:
    """Each row of the first sheet as it streams from the XML: only the cells the sheet holds,
    so rows and columns it merely declares cost nothing."""
    with _not_a_workbook():
        _within_unzipped_size(raw, budget)
        book: Any = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        if not book.worksheets:
            raise InvalidContent(
                "The workbook has no sheets.", errors=[{"pointer": "", "detail": "no sheets"}]
            )
        sheet: Any = book.worksheets[0]
        # The read-only sheet's own row iterator pads every row to the declared dimension;
        # its parser yields the cells that are there.
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=False,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            header: list[Any] = []
            for number, cells in parser.parse():
                values = _row_values(number, cells, header)
                if values and is_hidden(parser, number):
                    raise hidden_row(number)
                header = header or values
                yield number, values
            if parser.merged_cells is not None and parser.merged_cells.mergeCell:
                raise merged_cells([merged.ref for merged in parser.merged_cells.mergeCell])
        later = None if header else later_sheet_with_records(book)
        book.close()
        if later is not None:
            raise later


def _row_values(number: int, cells: list[dict[str, Any]], header: list[Any]) -> list[Any]:
    """A row's values by column, up to its last filled cell, refusing formulas and cells past
    the last column a sheet may use."""
    filled = [cell for cell in cells if cell["value"] not in (None, "")]
    width = max((cell["column"] for cell in filled), default=0)
    if width > MAX_COLUMNS:
        place = f"{get_column_letter(min(width, 18278))}{number}"
        raise InvalidContent(
            f"Cell {place} is past the last column a record has; nothing was stored.",
            errors=[{"pointer": "", "row": number, "detail": "a value past the last column"}],
        )
    values: list[Any] = [None] * width
    for cell in filled:
        index = cell["column"] - 1
        if cell.get("data_type") == "f":
            place = f"{get_column_letter(index + 1)}{number}"
            raise InvalidContent(
                f"Cell {place} holds a formula; paste values only and send it again.",
                errors=[
                    {
                        "pointer": "",
                        "row": number,
                        "column": cell_text(header[index]) if index < len(header) else place,
                        "detail": "a formula, not a value",
                    }
                ],
            )
        values[index] = cell["value"]
    return values


@contextmanager
def _not_a_workbook() -> Iterator[None]:
    """A file that cannot be read as a workbook is answered as one, whatever part is broken."""
    try:
        yield
    except NOT_A_WORKBOOK as exc:
        raise InvalidContent(
            "The file is not an Excel workbook (.xlsx), or it is damaged; save it again from "
            "Excel and send it.",
            errors=[{"pointer": "", "detail": str(exc)[:200] or type(exc).__name__}],
        ) from exc


def _within_unzipped_size(raw: bytes, budget: Budget) -> None:
    """413 for a workbook whose parts unzip past the limit, counting what really comes out
    rather than what the archive says."""
    unzipped = 0
    with ZipFile(io.BytesIO(raw)) as archive:
        for member in archive.infolist():
            with archive.open(member) as part:
                while chunk := part.read(1024 * 1024):
                    unzipped += len(chunk)
                    if unzipped > UNZIPPED_BYTES:
                        raise PayloadTooLarge(
                            f"The workbook unzips to more than {UNZIPPED_BYTES // 2**20} MB; "
                            "send it as smaller files.",
                            errors=[{"pointer": "", "detail": "unzips past the limit"}],
                        )
            budget.check_time()


def _checked(lines: Iterator[tuple[int, list[Any]]], budget: Budget) -> Sheet:
    """The header found and checked against the record's fields, then each row by it."""
    first = list(islice(lines, HEADER_ROWS))
    misplaced = misplaced_header(
        [(number, [cell_text(cell).strip() for cell in cells]) for number, cells in first]
    )
    if misplaced:
        raise InvalidContent(
            "The first row is not the header row; nothing was stored.", errors=[misplaced]
        )
    header = [cell_text(name).strip() for name in _trimmed(first[0][1] if first else [])]
    if len(header) > MAX_COLUMNS:
        raise InvalidContent(
            f"The header has {len(header)} columns; a record has {len(COLUMNS)}.",
            errors=[{"pointer": "", "row": 1, "detail": "more columns than a record has"}],
        )
    problems = header_problems(header)
    if problems:
        raise InvalidContent(
            "The header row does not match the template; nothing was stored.", errors=problems
        )
    fields = [field_for(name) or name for name in header]
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in chain(first[1:], lines):
        budget.check_time()
        cells = _trimmed(line)
        if not cells:
            continue  # blank lines between blocks of rows
        if len(cells) > len(header):
            raise InvalidContent(
                f"Row {number} has {len(cells)} cells but the header has {len(header)}.",
                errors=[{"pointer": "", "row": number, "detail": "more cells than the header"}],
            )
        if len(rows) == budget.records:
            raise too_many_records(budget.records)  # stop reading at the first row too many
        rows.append((number, dict(zip(fields, cells, strict=False))))
    if not rows:
        raise InvalidContent(
            "The file has no records under its header.",
            errors=[{"pointer": "/records", "detail": "no rows"}],
        )
    return Sheet(dict(zip(fields, header, strict=True)), rows)


def _trimmed(cells: list[Any]) -> list[Any]:
    """The cells up to the last that holds something (Excel keeps formatted empty columns)."""
    end = len(cells)
    while end and cells[end - 1] in (None, ""):
        end -= 1
    return cells[:end]


def _cell_error(sheet: Sheet, error: Any) -> dict[str, Any]:
    location: Sequence[Any] = error["loc"]
    entry: dict[str, Any] = {
        "pointer": json_pointer(location),
        "detail": str(error["msg"]).removeprefix("Value error, "),
    }
    if len(location) >= 2 and location[0] == "records" and isinstance(location[1], int):
        entry["row"] = sheet.rows[location[1]][0]
        if len(location) >= 3 and location[2] in sheet.labels:
            entry["column"] = sheet.labels[location[2]]
    return entry
