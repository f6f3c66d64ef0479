"""Answers as CSV, for the reads that offer it (`Accept: text/csv`): whether the client asked,
and the table written with a header row. Every CSV the register writes goes through
``CsvWriter``, so no cell can run as a formula when an officer opens it in Excel."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request, Response

CSV = "text/csv"
# A cell starting with one of these is a formula to Excel or LibreOffice (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet will show it, never run it: text that would start a formula
    gets a leading apostrophe; numbers, dates and empty cells (None) are written as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CsvWriter:
    """A csv writer whose every cell is made safe first."""

    def __init__(self, out: io.StringIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row of safe cells."""
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows of safe cells."""
        for row in rows:
            self.writerow(row)


def wants_csv(request: Request) -> bool:
    """The client asked for CSV."""
    return CSV in request.headers.get("accept", "")


def csv_answer(
    header: Sequence[str],
    rows: Iterable[Iterable[Any]],
    *,
    filename: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A CSV table (empty cells for nulls), offered as a download when it has a file name."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(header)
    writer.writerows(rows)
    download = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(out.getvalue(), media_type=CSV, headers={**download, **(headers or {})})
