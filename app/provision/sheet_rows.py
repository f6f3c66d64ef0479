"""A sheet's rows as records, before the record's own rules: cells read as people type them,
the template's example row refused, and a child's week sent twice refused naming both rows."""

from collections.abc import Mapping, Sequence
from typing import Any

from app.provision.cells import CellError, cell_value
from app.provision.templates import EXAMPLE_UPN

Row = tuple[int, dict[str, Any]]  # the row's number in the sheet, its cells by field


def read_rows(
    rows: Sequence[Row], labels: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records the rows hold, and an error for each cell that cannot be one."""
    records, errors = [], []
    for index, (number, cells) in enumerate(rows):
        record = {}
        for name, value in cells.items():
            if value in (None, ""):
                continue
            try:
                record[name] = cell_value(name, value)
            except CellError as exc:
                errors.append(_error(index, number, name, labels, str(exc)))
        records.append(record)
    return records, errors + _examples(rows, records, labels) + _repeats(rows, records, labels)


def _examples(
    rows: Sequence[Row], records: Sequence[dict[str, Any]], labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The template's example child must never be stored as a child."""
    return [
        _error(
            index,
            rows[index][0],
            "upn",
            labels,
            f"{EXAMPLE_UPN} is the template's example: delete the example row",
        )
        for index, record in enumerate(records)
        if _upn(record) == EXAMPLE_UPN
    ]


def _repeats(
    rows: Sequence[Row], records: Sequence[dict[str, Any]], labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A second row for the same child, week and provider, naming the first."""
    first: dict[tuple[str, str, Any], int] = {}
    errors = []
    for index, record in enumerate(records):
        if not _upn(record) or "week_commencing" not in record:
            continue
        key = (_upn(record), str(record["week_commencing"]), record.get("provider_id"))
        earlier = first.setdefault(key, index)
        if earlier != index:
            errors.append(
                _error(
                    index,
                    rows[index][0],
                    "upn",
                    labels,
                    f"the same child and week as row {rows[earlier][0]}: send one row per "
                    "child and week",
                )
            )
    return errors


def _upn(record: Mapping[str, Any]) -> str:
    return "".join(str(record.get("upn", "")).split()).upper()


def _error(
    index: int, number: int, name: str, labels: Mapping[str, str], detail: str
) -> dict[str, Any]:
    return {
        "pointer": f"/records/{index}/{name}",
        "row": number,
        "column": labels.get(name, name),
        "detail": detail,
    }
