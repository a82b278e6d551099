"""Spreadsheet-safe exports: no cell from user text can become a live formula (CSV and XLSX alike).

Source: OWASP "CSV Injection": a cell beginning with =, +, -, @, tab or carriage return is interpreted as a
formula by spreadsheet programs; prefix it with a single quote so it is shown as text. Plain numbers (including
negative ones written as text, e.g. "-0.25") are data, not formulas, and are left alone.
"""

from __future__ import annotations

import csv
import re
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def inert(value: Any) -> Any:
    """The value as written to a CSV cell: text that a spreadsheet would evaluate gets a leading quote."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose every cell goes through `inert`."""

    def __init__(self, stream, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row) -> Any:
        return self._writer.writerow([inert(v) for v in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs: Any) -> SafeWriter:
    return SafeWriter(stream, **kwargs)


def inert_workbook(workbook) -> None:
    """Every text cell of an openpyxl workbook stored as text: openpyxl turns a string starting with "=" into a
    formula, so such cells are forced back to strings; other trigger characters get the leading quote too."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith(TRIGGERS)):
                    cell.value = inert(cell.value)
                    cell.data_type = "s"
