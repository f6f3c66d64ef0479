"""What a workbook hides from the person who sends it: hidden rows and merged cells in the
sheet that is read, and records on a later sheet when the first is empty. Each is refused
naming the row, the cells or the sheet, rather than read in a way the sender did not see."""

from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet._reader import WorkSheetParser

from app.errors import InvalidContent

# The template's own list of codes is not where records are looked for.
CODES_SHEET = "Codes"
HIDDEN = ("1", "true")


def is_hidden(parser: WorkSheetParser, number: int) -> bool:
    """The row was hidden in Excel (its attributes say so as the parser passes it)."""
    return parser.row_dimensions.get(str(number), {}).get("hidden") in HIDDEN


def hidden_row(number: int) -> InvalidContent:
    """The answer to a hidden row that holds values."""
    return InvalidContent(
        f"Row {number} is hidden; nothing was stored.",
        errors=[
            {
                "pointer": "",
                "row": number,
                "detail": f"row {number} is hidden: unhide it, or delete it if it is not to be "
                "sent",
            }
        ],
    )


def merged_cells(ranges: Sequence[str]) -> InvalidContent:
    """The answer to merged cells, one error per merged range."""
    return InvalidContent(
        f"The sheet has merged cells ({', '.join(ranges)}); nothing was stored.",
        errors=[
            {
                "pointer": "",
                "row": _first_row(cells),
                "detail": f"cells {cells} are merged: unmerge them and fill each cell",
            }
            for cells in ranges
        ],
    )


def later_sheet_with_records(book: Any) -> InvalidContent | None:
    """When the first sheet is empty: the answer naming the later sheet that holds values."""
    later = next(
        (
            sheet.title
            for sheet in book.worksheets[1:]
            if sheet.title != CODES_SHEET and _holds_values(sheet)
        ),
        None,
    )
    if later is None:
        return None
    first = book.worksheets[0].title
    return InvalidContent(
        f"The first sheet is empty and the records are on {later!r}; nothing was stored.",
        errors=[
            {
                "pointer": "",
                "detail": f"the first sheet, {first!r}, is empty and the records are on "
                f"{later!r}: move them to the first sheet, or delete the empty sheet",
            }
        ],
    )


def _holds_values(sheet: Any) -> bool:
    with sheet._get_source() as source:
        return any(
            cell["value"] not in (None, "")
            for _, cells in WorkSheetParser(source, sheet._shared_strings).parse()
            for cell in cells
        )


def _first_row(cells: str) -> int:
    start = cells.split(":")[0]
    return int("".join(character for character in start if character.isdigit()) or 0)
