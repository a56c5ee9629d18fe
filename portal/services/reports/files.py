"""Reports as files: CSV text streamed chunk by chunk, XLSX workbooks of grouped reports, and a
report written to a path. Text that starts like a formula is marked in CSV (sla.cells) and written
as text cells in XLSX (spreadsheets)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from flask_babel import lazy_gettext as _l

from sla.cells import csv_text, csv_texts
from sla.ticket_csv import ticket_csv
from sla.ticket_report import TICKET_COLUMNS

from .. import spreadsheets
from ..errors import InvalidInput
from . import facts
from .params import ABOUT_LABELS, GROUPED, check_by, find_department, header_labels, local_range
from .words import value_words

Words = dict[str, dict[str, str]]


def _header_line(columns: list[str], labels: dict[str, str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_text(labels.get(name, name)) for name in columns])
    return buffer.getvalue()


def in_words(table: pd.DataFrame, words: Words | None) -> pd.DataFrame:
    """The grouped table with the codes of its text columns in `words` (value_words), one mapping
    per column; codes without words (and missing values) stay as they are."""
    if not words:
        return table
    out = table.copy()
    for column in set(words) & set(out.columns):
        out[column] = out[column].replace(words[column])
    return out


def sla_csv(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None, lang: str | None = None, values: str | None = None) -> Iterator[str]:
    """The report as CSV text chunks: UTF-8 BOM first (for Excel), then the header and rows.
    The header is the column names, or their labels in `lang` (see header_labels); the values are
    the contract's codes, or their words in `values` (value_words: statuses, categories, departments,
    outcomes; numbers, days and times stay as they are). Text that starts like a formula gets a
    leading ' (sla.cells). Per-ticket reports stream chunk by chunk in bounded memory. Bad input
    raises InvalidInput here, before anything is produced."""
    check_by(by)
    labels = header_labels(lang)
    start, end = local_range(day_from, day_to, timezone)
    department_id = find_department(department)
    return _stream(start, end, by, now, str(timezone), department_id, labels, value_words(values))


def _stream(start, end, by, now, tz, department_id, labels: dict[str, str] | None = None,
            words: Words | None = None) -> Iterator[str]:
    yield "\ufeff"
    if by == "ticket":
        header = labels is None
        if labels is not None:
            yield _header_line(TICKET_COLUMNS, labels)
        for chunk in facts.ticket_facts(start, end, department_id, now):
            yield ticket_csv(chunk, tz, header, words)
            header = False
        return
    table = in_words(facts.aggregates(start, end, department_id, now, [by], tz).table(by), words)
    if labels is not None:
        table = table.rename(columns=labels)
    yield csv_texts(table).to_csv(index=False, lineterminator="\r\n")


def grouped(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
            department: str | None = None) -> pd.DataFrame:
    """One aggregate report as a DataFrame (the rows of the grouped CSV)."""
    check_by(by, GROUPED)
    start, end = local_range(day_from, day_to, timezone)
    return facts.aggregates(start, end, find_department(department), now, [by], str(timezone)).table(by)


def sla_xlsx(day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
             department: str | None = None, lang: str | None = None, values: str | None = None) -> bytes:
    """An aggregate report as an Excel workbook: sheet "SLA" with the same columns as the CSV,
    sheet "About" with the parameters; their header rows and parameter names in `lang`, the values
    in `values`, as in sla_csv. Text is written as text cells, never formulas (spreadsheets).
    Per-ticket exports are CSV only (they can be very long)."""
    if by == "ticket":
        raise InvalidInput(_l("XLSX is for grouped reports; export per-ticket reports as CSV."),
                           {"by": [_l("Use CSV for by=ticket.")]})
    labels, about_labels, words = header_labels(lang), header_labels(lang, ABOUT_LABELS), value_words(values)
    table = in_words(grouped(day_from, day_to, by, now=now, timezone=timezone, department=department), words)
    about = pd.DataFrame({"parameter": ["from", "to", "by", "department", "time zone", "generated at"],
                          "value": [day_from.isoformat(), day_to.isoformat(), by, department or "all", str(timezone),
                                    now.astimezone(timezone).isoformat(timespec="seconds")]})
    if labels is not None:
        table = table.rename(columns=labels)
        about["parameter"] = about["parameter"].map(about_labels)
        about = about.rename(columns=about_labels)
    return spreadsheets.workbook([("SLA", table), ("About", about)])


def write_report(path: str | Path, day_from: dt.date, day_to: dt.date, by: str, *, now: dt.datetime, timezone: ZoneInfo,
                 department: str | None = None, lang: str | None = None) -> None:
    """Write the report to ``path``: an Excel workbook when it ends in .xlsx, CSV otherwise; the file
    appears complete or not at all. `lang`: the language of the header and the values (sla_csv)."""
    out = Path(path)
    tmp = out.with_name(out.name + ".part")
    if out.suffix.lower() == ".xlsx":
        tmp.write_bytes(sla_xlsx(day_from, day_to, by, now=now, timezone=timezone, department=department, lang=lang,
                                 values=lang))
    else:
        chunks = sla_csv(day_from, day_to, by, now=now, timezone=timezone, department=department, lang=lang,
                         values=lang)
        with tmp.open("w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
    tmp.replace(out)
