"""Answers as CSV, for the reads that offer it (`Accept: text/csv`): whether the client asked,
and the table written with a header row."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request, Response

CSV = "text/csv"


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
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    download = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(out.getvalue(), media_type=CSV, headers={**download, **(headers or {})})
