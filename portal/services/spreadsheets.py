"""The XLSX workbooks the portal writes: every text value a text cell, never a formula.

openpyxl makes a cell whose text starts with ``=`` a formula, and one holding an error code such as
``#N/A`` an error. Text from the database (a seller's or an agent's name) must stay the text it is,
so each text cell is written and then typed as text (see sla.cells for the rule and the CSV side).
"""
from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

TEXT = "s"  # openpyxl's data type of a text cell
# characters XML 1.0 cannot carry (the same set openpyxl refuses); tab, line feed and CR stay
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HEADER_FONT = Font(bold=True)


def _plain(value: object) -> object:
    """A cell's value as openpyxl takes it: None for missing values, Python numbers for numpy's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write(sheet, row: int, column: int, value: object, font: Font | None = None) -> None:
    value = _plain(value)
    if value is None:
        return
    if isinstance(value, str):
        cell = sheet.cell(row=row, column=column, value=_NOT_IN_XML.sub("\ufffd", value))
        cell.data_type = TEXT  # whatever it starts with: a text cell is never run as a formula
    else:
        cell = sheet.cell(row=row, column=column, value=value)
    if font is not None:
        cell.font = font


def add_sheet(book: Workbook, title: str, frame: pd.DataFrame, *, freeze_header: bool = False) -> None:
    """`frame` as a sheet of `book`: its column names as a bold header row, then its rows; text as
    text cells, numbers as numbers, missing values as empty cells. Columns are as wide as their
    longest value (between 8 and 40 characters)."""
    sheet = book.create_sheet(title)
    for column, name in enumerate(frame.columns, start=1):
        _write(sheet, 1, column, str(name), _HEADER_FONT)
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for column, value in enumerate(values, start=1):
            _write(sheet, row, column, value)
    if freeze_header:
        sheet.freeze_panes = "A2"
    for cells in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in cells)
        sheet.column_dimensions[cells[0].column_letter].width = min(max(width + 2, 8), 40)


def workbook(sheets: Iterable[tuple[str, pd.DataFrame]], *, freeze_first: bool = True) -> bytes:
    """An XLSX file of the given (title, table) sheets, in order (add_sheet); the first sheet's
    header row stays in view while scrolling when `freeze_first`."""
    book = Workbook()
    book.remove(book.active)
    for number, (title, frame) in enumerate(sheets):
        add_sheet(book, title, frame, freeze_header=freeze_first and number == 0)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
