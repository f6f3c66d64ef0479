"""The spreadsheet templates a provider without an MIS fills in: a CSV that opens in Excel as
UTF-8, and a workbook with a dropdown on every coded column and date formats on date columns.
Both carry one example row, which the reader recognises and refuses if it is sent."""

import io
from datetime import date
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from app.csv_answers import CsvWriter
from app.provision.cells import DATES, cell_text
from app.provision.columns import COLUMNS
from app.provision.schemas import ProvisionRecordIn
from app.vocabulary import EndReason, ExclusionType, ProvisionType, Reason

CODE_LISTS: dict[str, type[Enum]] = {
    "provision_type": ProvisionType,
    "reasons": Reason,
    "exclusion_type": ExclusionType,
    "end_reason": EndReason,
}
# The example the API description shows, as the templates' example row.
EXAMPLE: dict[str, Any] = ProvisionRecordIn.model_json_schema()["examples"][0]
EXAMPLE_UPN: str = EXAMPLE["upn"]
UK_DATE_FORMAT = "dd/mm/yyyy"
ROWS = 1000  # rows the dropdowns and date formats reach: far more than a week's children


def template_csv() -> bytes:
    """A CSV template: the header and one example row (with Excel's BOM, so it opens as UTF-8)."""
    text = io.StringIO()
    writer = CsvWriter(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(cell_text(EXAMPLE.get(name)) for name in COLUMNS)
    return text.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """An Excel template: the header, one example row, dropdowns for the codes (listed on a
    second sheet, "Codes"), and dates shown and typed as day/month/year."""
    book = Workbook()
    records = book.active
    assert records is not None
    records.title = "Records"
    records.append(list(COLUMNS))
    records.append([_example_cell(name) for name in COLUMNS])
    records.freeze_panes = "A2"
    for cell in records[1]:
        cell.font = Font(bold=True)
    for cell in records[2]:
        cell.font = Font(italic=True, color="505A5F")
    codes = book.create_sheet("Codes")
    for index, (column, enum) in enumerate(CODE_LISTS.items(), start=1):
        codes.cell(row=1, column=index, value=column).font = Font(bold=True)
        for row, member in enumerate(enum, start=2):
            codes.cell(row=row, column=index, value=member.value)
        records.add_data_validation(_dropdown(column, get_column_letter(index), len(enum)))
    for index, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        records.column_dimensions[letter].width = max(14, len(name) + 2)
        if name in DATES:
            # The column's own format, so every date typed in it shows as day/month/year.
            records.column_dimensions[letter].number_format = UK_DATE_FORMAT
            records.cell(row=2, column=index).number_format = UK_DATE_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _dropdown(column: str, codes_column: str, count: int) -> DataValidation:
    """A list of the column's codes from the Codes sheet. Reasons may hold several codes
    separated by ";", so there the list helps but does not refuse what it does not hold."""
    several = column == "reasons"
    validation = DataValidation(
        type="list",
        formula1=f"{quote_sheetname('Codes')}!${codes_column}$2:${codes_column}${count + 1}",
        allow_blank=True,
        showErrorMessage=not several,
        errorTitle="Not a code",
        error=f"Choose a {column} code from the list (see the Codes sheet).",
        promptTitle=column,
        prompt="One or more codes, separated by ;" if several else "Choose from the list",
        showInputMessage=True,
    )
    letter = get_column_letter(COLUMNS.index(column) + 1)
    validation.add(f"{letter}2:{letter}{ROWS}")
    return validation


def _example_cell(name: str) -> Any:
    value = EXAMPLE.get(name)
    if isinstance(value, (int, float)):
        return value
    return date.fromisoformat(value) if name in DATES and value else cell_text(value) or None
