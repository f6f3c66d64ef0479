"""Schemathesis hooks for `make fuzz`: an Excel workbook body is sent as the bytes generated
for it (the description says `format: binary`), so the batch's spreadsheet path is fuzzed too."""

from typing import Any

import schemathesis

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@schemathesis.serializer(XLSX)
def workbook_bytes(_ctx: Any, value: Any) -> bytes:
    """Bytes as they are; anything else as its UTF-8 text."""
    return value if isinstance(value, bytes) else str(value).encode()
