"""Text in exported spreadsheet cells: the one rule that keeps it from being read as a formula.

A spreadsheet opening a CSV file reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some strip a leading tab or carriage return before they look: a seller named
``=HYPERLINK("http://x","y")`` would be a live link in the manager's workbook. Refusing such text
when it is typed is not enough (imports and old rows hold it), so every export passes its text
through here on the way out:

* CSV: :func:`csv_text` puts a ``'`` before such text; spreadsheets show the cell as text and hide
  the mark. Text that already starts with ``'`` before such a start gets one more, as spreadsheets
  hide one, so that :func:`csv_value` gives back exactly what was exported when the portal reads
  such a file again.
* XLSX: every text value is written as a text cell, never a formula cell, so it needs no mark and
  keeps its exact value (the portal's XLSX writer does this: portal.services.spreadsheets).

Numbers are not text: a negative number stays a number in both.
"""
from __future__ import annotations

import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_FIRST_CHARACTERS = frozenset("".join(FORMULA_STARTS) + QUOTE)  # of text that may need a mark


def needs_mark(value: object) -> bool:
    """Whether `value` is text that a CSV cell must mark as text: it starts like a formula, after
    any ``'`` already in front."""
    return isinstance(value, str) and value.lstrip(QUOTE).startswith(FORMULA_STARTS)


def any_needs_mark(texts: list[str]) -> bool:
    """Whether any of `texts` needs a mark (needs_mark); a column's first characters are looked at
    first, as a set, which costs a fraction of looking at each text (a report has a million)."""
    return not _FIRST_CHARACTERS.isdisjoint({text[:1] for text in texts}) and any(map(needs_mark, texts))


def csv_text(value: str) -> str:
    """`value` for a CSV cell: with a leading ``'`` when it starts like a formula, as it is otherwise."""
    return QUOTE + value if value.lstrip(QUOTE).startswith(FORMULA_STARTS) else value


def csv_value(cell: str) -> str:
    """The text a CSV cell written by :func:`csv_text` stands for: ``csv_value(csv_text(t)) == t``
    for any text ``t``."""
    return cell[1:] if cell.startswith(QUOTE) and cell.lstrip(QUOTE).startswith(FORMULA_STARTS) else cell


def csv_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with :func:`csv_text` applied to every text value (numbers and missing values as
    they are), for writing with DataFrame.to_csv. Columns without such text are left alone."""
    out = frame
    for column in frame.columns:
        values = frame[column]
        if is_numeric_dtype(values) or is_datetime64_any_dtype(values):  # (booleans are numeric here)
            continue
        texts = [value for value in values.unique() if isinstance(value, str)]
        if not any_needs_mark(texts):
            continue
        if out is frame:
            out = frame.copy()
        out[column] = values.astype(object).map(lambda v: csv_text(v) if isinstance(v, str) else v)
    return out
