"""The per-ticket report as CSV text (:func:`ticket_csv`): the same text as ``DataFrame.to_csv`` of
:func:`sla.ticket_report.format_tickets`, several times faster.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from .business_time import utc_wall
from .cells import any_needs_mark, csv_text
from .metrics import TIME_COLUMNS
from .ticket_report import TICKET_COLUMNS


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_CSV_SPECIAL = (",", '"', "\r", "\n")


def _quoted(cell: str) -> str:
    """A CSV cell as the csv module writes it with QUOTE_MINIMAL (DataFrame.to_csv's default)."""
    if any(mark in cell for mark in _CSV_SPECIAL):
        return '"' + cell.replace('"', '""') + '"'
    return cell


# A chunk of the per-ticket CSV is written as rows of pieces joined with "". A piece is a column of
# codes into a table of texts, each text carrying the comma before its cell: minutes, counts, flags
# and names are written once per distinct value, and a time is three pieces (its local date, its
# second of the day, its offset). Neighbouring pieces whose tables are small are then merged into
# one piece whose table holds every combination, so that a line has about twenty pieces. No text is
# made per cell: joining each line from its pieces is the only work done per row.

class _Piece(NamedTuple):
    codes: np.ndarray | None  # one code per row; None when ``table`` already holds one text per row
    table: np.ndarray | list


def _coded(values: pd.Series | np.ndarray, text, missing: str = ",") -> _Piece:
    """text(value) once per distinct value; ``missing`` for NaN or None. Categoricals keep their codes."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes, distinct = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, distinct = pd.factorize(values)
    table = np.array([text(value) for value in distinct.tolist()] + [missing], dtype=object)
    return _Piece(np.where(codes < 0, len(distinct), codes).astype(np.int64), table)


def _text_cells(values: pd.Series) -> list[str]:
    """Text as CSV cells: '' for missing, marked when it starts like a formula, quoted when needed
    (for a column of distinct texts)."""
    cells = values.tolist()
    try:
        joined = "".join(cells)
    except TypeError:  # missing values, or something other than text, among them
        cells = [c if isinstance(c, str) else "" if pd.isna(c) else str(c) for c in cells]
        joined = "".join(cells)
    if any_needs_mark(cells):
        cells = [csv_text(c) for c in cells]
    if any(mark in joined for mark in _CSV_SPECIAL):  # one scan of the column decides for all of it
        return [_quoted(c) for c in cells]
    return cells


def _text_piece(values: pd.Series, words: Mapping[str, str] | None = None) -> _Piece:
    """A text column; with `words`, each distinct value that has words is written in them."""
    words = words or {}
    return _coded(values, lambda v: "," + _quoted(csv_text(words.get(v, v)) if isinstance(v, str) else str(v)))


def _worded(table: np.ndarray, words: Mapping[str, str] | None) -> np.ndarray:
    """A fixed table of ',cell' texts with each cell that has words written in them."""
    if not words:
        return table
    return np.array(["," + _quoted(csv_text(words.get(cell[1:], cell[1:]))) for cell in table.tolist()], dtype=object)


_DECIMAL_TEXTS: dict[int, str] = {}  # ',' + text per float's bits: chunk after chunk the same minutes recur


def _decimal_piece(array: np.ndarray) -> _Piece:
    """Floats the way DataFrame.to_csv writes them (numpy's shortest repr, '' for NaN), each distinct
    value (distinct bits, so -0.0 stays '-0.0') formatted once per process while the cache lasts."""
    missing = np.isnan(array)
    codes, distinct = pd.factorize(np.where(missing, 0.0, array).view(np.int64))
    bits = distinct.tolist()
    texts = [_DECIMAL_TEXTS.get(b) for b in bits]
    new = [i for i, text in enumerate(texts) if text is None]
    if new:
        if len(_DECIMAL_TEXTS) > 50_000:  # a few MB at most
            _DECIMAL_TEXTS.clear()
        fresh = np.array([bits[i] for i in new], dtype=np.int64).view(np.float64).astype(str).tolist()
        for i, text in zip(new, fresh, strict=True):
            texts[i] = _DECIMAL_TEXTS[bits[i]] = "," + text
    return _Piece(np.where(missing, len(texts), codes).astype(np.int64), np.array(texts + [","], dtype=object))


def _integer_piece(values: np.ndarray) -> _Piece:
    """Whole numbers (NaN for missing) the way to_csv writes an integer column."""
    return _coded(np.asarray(values, dtype=float), lambda v: f",{int(v)}")


@functools.cache
def _clock_table() -> np.ndarray:
    """'THH:MM:SS' for every second of a day, then '' (86,401 short texts, made once per process)."""
    sixty = [f"{n:02d}" for n in range(60)]
    return np.array([f"T{h}:{m}:{s}" for h in sixty[:24] for m in sixty for s in sixty] + [""], dtype=object)


def _date_text(day: int) -> str:
    return str(np.datetime_as_string(np.datetime64(day * 86400, "s"), unit="s")).split("T")[0]


def _iso_pieces(values: pd.Series, timezone: str) -> list[_Piece]:
    """ISO 8601 times with the zone's offset (2026-11-23T09:30:00+07:00) as three pieces each:
    ',2026-11-23', 'T09:30:00' and '+07:00' (',', '', '' for NaT). The local wall time is cut to
    the second as numpy does (datetime64[s]); the offset is local − UTC in whole minutes."""
    local = values.dt.tz_convert(timezone).dt.tz_localize(None).to_numpy().astype("datetime64[s]").view(np.int64)
    utc = utc_wall(values).astype("datetime64[s]").view(np.int64)
    missing = utc == np.iinfo(np.int64).min  # NaT
    days, clock = np.divmod(np.where(missing, 0, local), 86400)
    dates = _coded(days, lambda d: "," + _date_text(d))
    suffixes = _coded(np.where(missing, 0, local - utc) // 60, lambda m: _offset_text(int(m)), missing="")
    clocks = _Piece(np.where(missing, 86400, clock), _clock_table())
    if missing.any():
        dates.codes[missing] = len(dates.table) - 1
        suffixes.codes[missing] = len(suffixes.table) - 1
    return [dates, clocks, suffixes]


def _merged(pieces: list[_Piece], limit: int) -> list[_Piece]:
    """Neighbouring pieces merged while the table of their combinations stays within ``limit``."""
    out = [pieces[0]]
    for piece in pieces[1:]:
        last = out[-1]
        if last.codes is not None and piece.codes is not None and len(last.table) * len(piece.table) <= limit:
            table = np.array([a + b for a in last.table.tolist() for b in piece.table.tolist()], dtype=object)
            out[-1] = _Piece(last.codes * len(piece.table) + piece.codes, table)
        else:
            out.append(piece)
    return out


_SLA_MET = np.array([",true", ",false", ","], dtype=object)
_TRUE_FALSE = np.array([",false", ",true"], dtype=object)


def _ticket_pieces(facts: pd.DataFrame, timezone: str, words: Mapping[str, Mapping[str, str]] | None = None
                   ) -> list[_Piece]:
    """The per-ticket CSV rows of ``facts`` as columns of pieces, in order: each row's line is the
    join of its pieces. `words`: column -> {cell text: the words written instead} (see ticket_csv)."""
    words = words or {}
    pieces: dict[str, list[_Piece]] = {"reference": [_Piece(None, _text_cells(facts["reference"]))]}
    for column in ("seller_code", "department", "category", "priority", "status", "agent", "seller_name",
                   "agent_name"):
        pieces[column] = [_text_piece(facts[column], words.get(column))]
    for column in TIME_COLUMNS:
        pieces[column] = _iso_pieces(facts[column], timezone)
    outcome = facts["outcome"].to_numpy(dtype=object)
    pieces["sla_met"] = [_Piece(np.where(outcome == "met", 0, np.where(outcome == "breached", 1, 2)),
                                 _worded(_SLA_MET, words.get("sla_met")))]
    pieces["csat"] = [_integer_piece(np.round(facts["csat"].to_numpy(dtype=float)))]
    for column in ("first_response_minutes", "handling_minutes", "first_response_business_minutes",
                   "handling_business_minutes", "response_mean_minutes", "response_business_mean_minutes"):
        pieces[column] = [_decimal_piece(facts[column].round(1).to_numpy(dtype=float))]
    pieces["responses"] = [_integer_piece(facts["responses"].to_numpy())]
    pieces["reopens"] = [_integer_piece(facts["reopens"].to_numpy())]
    pieces["self_resolved"] = [_Piece(facts["self_resolved"].to_numpy(dtype=bool).astype(np.int64),
                                      _worded(_TRUE_FALSE, words.get("self_resolved")))]
    ordered = _merged([piece for column in TICKET_COLUMNS for piece in pieces[column]], max(256, len(facts) // 4))
    return ordered


def ticket_csv(facts: pd.DataFrame, timezone: str, header: bool = True,
               words: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The per-ticket report of :func:`ticket_facts` as CSV text with CRLF line ends: the same text
    as ``format_tickets(facts, timezone).to_csv(index=False, header=header, lineterminator="\\r\\n")``
    (text that starts like a formula marked with a ``'`` alike), several times faster (see the
    pieces above). `words` (column -> {the cell's text: the words written instead}) puts the codes
    and flags of text columns in a person's language: looked up once per distinct value."""
    lines = [",".join(TICKET_COLUMNS)] if header else []
    if len(facts):
        pieces = [piece.table if piece.codes is None else piece.table[piece.codes].tolist()
                  for piece in _ticket_pieces(facts, timezone, words)]
        lines.extend(map("".join, zip(*pieces, strict=True)))
    return "\r\n".join(lines) + "\r\n" if lines else ""

