"""SLA metrics over DataFrames of tickets and messages; pure pandas and numpy, no I/O, no clock.

Input
-----
``frame`` has one row per ticket with the columns ``reference``, ``seller_code``, ``department``,
``category``, ``priority``, ``status``, ``agent`` (the assignee's e-mail or None), ``created_at``,
``first_response_due_at``, ``first_responded_at``, ``resolved_at`` (UTC, timezone-aware, NaT when
unset), ``self_resolved`` (bool) and ``csat`` (float or NaN). Optional columns: ``seller_name``,
``agent_name``, ``reopens`` (how often the ticket went from resolved back to open; 0 when absent).

``messages`` (optional) has one row per *public* message: ``reference``, ``author_kind``
(``seller`` or ``staff``; anything else is ignored) and ``created_at``, in the order they were
written. Without it the ticket's own creation and first response stand for the whole exchange.

``calendars`` (optional) maps a department code to its :class:`sla.Calendar`. Business-time
columns use the calendar of the ticket's current department; a department without a calendar or
with a 24/7 one counts every minute, so its business minutes equal its wall-clock minutes.

Definitions
-----------
* **outcome** (:func:`sla_outcome`): ``met`` (first public staff reply at or before the due time),
  ``breached`` (replied late, or still unanswered and past due at ``now``), ``pending`` (unanswered
  and not yet due at ``now``; also a self-resolved ticket nobody had to answer).
  ``met_share`` = met / (met + breached), empty when nothing is decided.
* **first response**: creation to the first public staff reply (``first_responded_at``).
* **response time** (average response time): for every public staff reply that answers a seller,
  the time from the *first* seller message not yet answered to that reply. A staff reply that
  follows another staff reply with no seller message in between is a follow-up and is not
  counted; seller messages still unanswered are not counted either. The ticket's creation is the
  seller's first message, so the first counted response is the first response. Averages over a
  group weigh every counted reply equally (total minutes / number of replies).
* **handling time**: creation to resolution (``resolved_at``; empty while unresolved).
* **reopens**: status changes from ``resolved`` back to ``open``.
* **CSAT**: mean of the 1–5 ratings given; ``csat_satisfied_share`` = share of ratings that are 4 or 5.
* **open**: tickets of the report whose status is still new, open or waiting on the seller.
* **backlog**: tickets open at a moment (:func:`open_at`), by their age then: under 4 h, 4–24 h,
  1–3 days, over 3 days (lower bounds inclusive). :func:`aggregate` counts the given tickets still
  open at ``now``; a report gives :meth:`Aggregates.add_backlog` every ticket open at the end of its
  range instead, whatever its creation date (:func:`backlog_at`).
* Quantiles (p90) interpolate linearly between tickets (pandas' default).

Minutes are rounded to 0.1, shares to 4 decimals, CSAT means to 2 in the output tables only.

Chunks
------
Every per-ticket measure depends on one ticket and its own messages, so :func:`ticket_facts` and
:func:`ticket_csv` work on any chunk of tickets. :class:`Aggregates` folds chunks of facts into
per-group tables: counts and sums add up; medians and p90 need the values themselves, so it keeps
the three minute values they are taken from (first response, its business-time twin, handling) and
a group number per grouping for each ticket that has one: 28 bytes a ticket for one grouping, not
the whole facts.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from vocabulary import OPEN_STATUSES

from .calendars import AlwaysOpen, Calendar
from .cells import any_needs_mark, csv_text, csv_texts

TIME_COLUMNS = ("created_at", "first_response_due_at", "first_responded_at", "resolved_at")

TICKET_COLUMNS = ["reference", "seller_code", "department", "category", "priority", "status", "agent",
                  "created_at", "first_response_due_at", "first_responded_at", "first_response_minutes", "sla_met",
                  "resolved_at", "handling_minutes", "csat",
                  "seller_name", "agent_name", "first_response_business_minutes", "handling_business_minutes",
                  "responses", "response_mean_minutes", "response_business_mean_minutes", "reopens",
                  "self_resolved"]
BACKLOG_BUCKETS = {  # column: [lower, upper) age in minutes
    "backlog_under_4h": (0, 4 * 60),
    "backlog_4h_to_24h": (4 * 60, 24 * 60),
    "backlog_1d_to_3d": (24 * 60, 72 * 60),
    "backlog_over_3d": (72 * 60, np.inf),
}
GROUP_COLUMNS = ["tickets", "met", "breached", "pending", "met_share", "first_response_median_minutes",
                 "first_response_mean_minutes", "first_response_p90_minutes", "csat_mean", "csat_satisfied_share",
                 "self_resolved", "handling_mean_minutes",
                 "first_response_business_median_minutes", "first_response_business_mean_minutes",
                 "first_response_business_p90_minutes", "responses", "response_mean_minutes",
                 "response_business_mean_minutes", "resolved", "handling_median_minutes",
                 "handling_business_mean_minutes", "reopens", "self_resolved_share", "csat_responses",
                 "open", *BACKLOG_BUCKETS]
COUNT_COLUMNS = ["tickets", "met", "breached", "pending", "self_resolved", "responses", "resolved", "reopens",
                 "csat_responses", "open", *BACKLOG_BUCKETS]
GROUPINGS = {"department": ["department"], "agent": ["agent", "agent_name"], "category": ["category"],
             "day": ["day"], "hour": ["hour"], "seller": ["seller_code", "seller_name"]}
HISTOGRAM_BINS = (  # first-response distribution: label, [lower, upper) minutes
    ("<15m", 0, 15), ("15–30m", 15, 30), ("30–60m", 30, 60), ("1–2h", 60, 120),
    ("2–4h", 120, 240), ("4–8h", 240, 480), ("8–24h", 480, 1440), ("≥24h", 1440, np.inf),
)
_MINUTE_NS = 60 * 10**9


# -- time arithmetic ------------------------------------------------------------------------------

def _wall_minutes(start: pd.Series, end: pd.Series) -> pd.Series:
    return (end - start).dt.total_seconds() / 60


def _utc_ns(values: pd.Series) -> np.ndarray:
    """Instants as int64 nanoseconds since the epoch (NaT gives an arbitrary value; mask it)."""
    return values.dt.tz_convert("UTC").dt.as_unit("ns").dt.tz_localize(None).to_numpy().view("int64")


def _utc_wall(values: pd.Series) -> np.ndarray:
    """Instants as naive UTC datetime64 in their own unit, NaT kept."""
    return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()


def business_minutes(calendar: Calendar | None, start: pd.Series, end: pd.Series) -> pd.Series:
    """Business minutes in [start, end) of ``calendar`` for aligned series of instants, computed
    without a Python loop over rows: the calendar's open windows over the period are laid end to
    end, each instant is placed on that cumulative business clock with a binary search, and the
    result is the difference of the two clock readings (negative when end is before start).
    NaN where either instant is missing. ``None`` or a 24/7 calendar gives wall-clock minutes."""
    if calendar is None or isinstance(calendar, AlwaysOpen):
        return _wall_minutes(start, end)
    result = pd.Series(np.nan, index=start.index, dtype=float)
    valid = start.notna() & end.notna()
    if not valid.any():
        return result
    begin, finish = start[valid], end[valid]
    open_windows = getattr(calendar, "open_windows", None)
    if open_windows is None:  # a calendar that cannot list its windows: ask it pair by pair
        seconds = [calendar.business_time_between(a, b).total_seconds() for a, b in zip(begin, finish, strict=True)]
        result[valid] = np.asarray(seconds) / 60
        return result
    zone = getattr(calendar, "timezone", "UTC")
    lowest, highest = min(begin.min(), finish.min()), max(begin.max(), finish.max())
    day = lowest.tz_convert(zone).date() - dt.timedelta(days=1)
    last = highest.tz_convert(zone).date() + dt.timedelta(days=1)
    starts, ends = [], []
    while day <= last:
        for window_start, window_end in open_windows(day):
            starts.append(pd.Timestamp(window_start).as_unit("ns").value)
            ends.append(pd.Timestamp(window_end).as_unit("ns").value)
        day += dt.timedelta(days=1)
    if not starts:
        result[valid] = 0.0
        return result
    starts_ns, ends_ns = np.asarray(starts, dtype="int64"), np.asarray(ends, dtype="int64")
    lengths = ends_ns - starts_ns
    before = np.concatenate(([0], np.cumsum(lengths)[:-1]))

    def clock(values: pd.Series) -> np.ndarray:
        at = _utc_ns(values)
        idx = np.searchsorted(starts_ns, at, side="right") - 1
        inside = np.clip(at - starts_ns[np.maximum(idx, 0)], 0, lengths[np.maximum(idx, 0)])
        return np.where(idx < 0, 0, before[np.maximum(idx, 0)] + inside)

    result[valid] = (clock(finish) - clock(begin)) / _MINUTE_NS
    return result


def _business_by_department(frame: pd.DataFrame, start: pd.Series, end: pd.Series,
                            calendars: Mapping[str, Calendar] | None, wall: pd.Series | None = None) -> pd.Series:
    """Business minutes per row by its department's calendar; ``wall`` (the wall-clock minutes,
    when the caller has them) stands for every department that counts every minute."""
    result = (_wall_minutes(start, end) if wall is None else wall).astype(float)
    for code, calendar in (calendars or {}).items():
        if calendar is None or isinstance(calendar, AlwaysOpen):
            continue
        rows = frame["department"] == code
        if rows.any():
            result[rows] = business_minutes(calendar, start[rows], end[rows])
    return result


# -- per ticket -----------------------------------------------------------------------------------

def sla_outcome(frame: pd.DataFrame, now: dt.datetime) -> pd.Series:
    """'met', 'breached' or 'pending' per ticket: answered in time, answered late or never answered
    and past due, or still within its target (self-resolved tickets without a reply count as pending)."""
    responded = frame["first_responded_at"].notna()
    due = frame["first_response_due_at"]
    self_resolved = frame["self_resolved"].fillna(False).astype(bool) if "self_resolved" in frame else False
    outcome = pd.Series("pending", index=frame.index, dtype=object)
    outcome[responded & (frame["first_responded_at"] <= due)] = "met"
    outcome[responded & (frame["first_responded_at"] > due)] = "breached"
    outcome[~responded & (due <= pd.Timestamp(now)) & ~self_resolved] = "breached"
    return outcome


def _logged(tickets: pd.Index, messages: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The public seller and staff messages of the given tickets: ticket position, is-staff flag and
    time (naive UTC datetime64), in the order given."""
    if messages is None or messages.empty:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=bool), np.zeros(0, dtype="datetime64[us]")
    kind = messages["author_kind"].to_numpy(dtype=object)
    position = tickets.get_indexer(messages["reference"])
    keep = (position >= 0) & ((kind == "seller") | (kind == "staff"))
    written = _utc_wall(pd.to_datetime(messages["created_at"], utc=True))
    return position[keep], kind[keep] == "staff", written[keep]


def _sum_by_ticket(ticket: np.ndarray, values: pd.Series, count: int) -> np.ndarray:
    """Per ticket, the sum of its values (``ticket`` sorted), added up as pandas' groupby sum does:
    in order, with Kahan's compensation, which changes nothing for one or two values."""
    array = values.to_numpy(dtype=float)
    totals = np.bincount(ticket, weights=np.where(np.isnan(array), 0.0, array), minlength=count)
    many = np.bincount(ticket, minlength=count) > 2
    if many.any():
        rows = many[ticket]
        exact = values[rows].groupby(ticket[rows]).sum()
        totals[exact.index.to_numpy()] = exact.to_numpy()
    return totals


def _replies(created: np.ndarray, responded: np.ndarray, logged_at_ticket: np.ndarray, logged_staff: np.ndarray,
             logged_at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counted staff replies of tickets 0..n-1: the ticket, the time of the first seller message
    it answers and its own time of each, ordered by ticket and time.

    The exchange of every ticket (its creation as the seller's first message, the logged public
    messages and, when no staff reply is logged, the recorded first response) is laid out in one
    array sorted by ticket, time and then the order above. A staff reply counts when the row just
    before it, in the same ticket, is a seller message; it answers the first seller message of that
    run. Arrays throughout: no Python loop and no string sort over the tickets."""
    count = len(created)
    has_staff = np.zeros(count, dtype=bool)
    has_staff[logged_at_ticket[logged_staff]] = True
    recorded = np.flatnonzero(~has_staff & ~np.isnat(responded))
    unit = np.result_type(created.dtype, responded.dtype, logged_at.dtype)  # the finest of the three
    at = np.concatenate([created.astype(unit), logged_at.astype(unit), responded[recorded].astype(unit)])
    ticket = np.concatenate([np.arange(count), logged_at_ticket, recorded])
    staff = np.concatenate([np.zeros(count, dtype=bool), logged_staff, np.ones(len(recorded), dtype=bool)])
    ticks = at.view("int64").copy()
    ticks[np.isnat(at)] = np.iinfo(np.int64).max  # missing times last, as a sort by time puts them
    order = np.lexsort((np.arange(len(at)), ticks, ticket))
    ticket, staff, at = ticket[order], staff[order], at[order]
    first = np.ones(len(at), dtype=bool)
    first[1:] = ticket[1:] != ticket[:-1]
    after_seller = np.zeros(len(at), dtype=bool)
    after_seller[1:] = ~staff[:-1]
    answers = np.flatnonzero(staff & after_seller & ~first)
    after_staff = np.zeros(len(at), dtype=bool)
    after_staff[1:] = staff[:-1]
    run_start = np.maximum.accumulate(np.where(~staff & (first | after_staff), np.arange(len(at)), 0))
    return ticket[answers], at[run_start[answers - 1]], at[answers]


def _responses(frame: pd.DataFrame, messages: pd.DataFrame | None, calendars: Mapping[str, Calendar] | None,
               first_wall: pd.Series, first_business: pd.Series) -> pd.DataFrame:
    """Per ticket: counted staff replies and their total wall-clock and business minutes. A ticket
    without logged messages has at most one, its first response (``first_wall``, ``first_business``),
    when recorded at or after its creation; the others go through :func:`_replies`."""
    index = pd.Index(frame["reference"])
    unique = messages is None or messages.empty or index.is_unique  # without messages, rows stand alone
    keep = np.arange(len(frame)) if unique else np.flatnonzero(~index.duplicated())
    tickets = frame if unique else frame.iloc[keep]
    index = index if unique else pd.Index(tickets["reference"])
    count = len(tickets)
    created, responded = _utc_wall(tickets["created_at"]), _utc_wall(tickets["first_responded_at"])
    logged_at_ticket, logged_staff, logged_at = _logged(index, messages)
    logged = np.zeros(count, dtype=bool)
    logged[logged_at_ticket] = True
    plain = ~logged & ~np.isnat(responded) & (responded >= created)
    responses = plain.astype(float)
    wall_total = np.where(plain, first_wall.to_numpy(dtype=float)[keep], 0.0)
    business_total = np.where(plain, first_business.to_numpy(dtype=float)[keep], 0.0)
    if logged.any():
        subset = np.flatnonzero(logged)
        in_subset = np.cumsum(logged) - 1
        answering, since_at, replied_at = _replies(created[subset], responded[subset], in_subset[logged_at_ticket],
                                                   logged_staff, logged_at)
        answering = subset[answering]
        since = pd.Series(since_at).dt.tz_localize("UTC")
        replied = pd.Series(replied_at).dt.tz_localize("UTC")
        answered = pd.DataFrame({"department": tickets["department"].to_numpy(dtype=object)[answering]})
        responses += np.bincount(answering, minlength=count)
        wall_total += _sum_by_ticket(answering, _wall_minutes(since, replied), count)
        business_total += _sum_by_ticket(answering, _business_by_department(answered, since, replied, calendars),
                                         count)
    per_ticket = pd.DataFrame({"responses": responses, "response_total_minutes": wall_total,
                               "response_total_business_minutes": business_total})
    per_ticket = per_ticket.where(per_ticket["responses"] > 0)  # as a reindexed groupby: NaN without replies
    if unique:
        return per_ticket.set_index(frame.index)
    return per_ticket.set_index(index).reindex(frame["reference"].to_numpy()).set_index(frame.index)


def ticket_facts(frame: pd.DataFrame, now: dt.datetime, messages: pd.DataFrame | None = None,
                 calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """The input frame plus every per-ticket measure, unrounded: outcome, first_response_minutes,
    first_response_business_minutes, handling_minutes, handling_business_minutes, responses,
    response_total_minutes, response_total_business_minutes, response_mean_minutes,
    response_business_mean_minutes, reopens, is_open and age_minutes (open tickets' age at now)."""
    facts = frame.copy(deep=False)  # copy on write: the new columns never reach the caller's frame
    for column in ("seller_name", "agent_name"):
        if column not in facts:
            facts[column] = None
    facts["self_resolved"] = facts["self_resolved"].fillna(False).astype(bool)
    facts["csat"] = pd.to_numeric(facts["csat"], errors="coerce").astype(float)
    facts["reopens"] = (pd.to_numeric(facts["reopens"], errors="coerce").fillna(0).astype(int)
                        if "reopens" in facts else 0)
    facts["outcome"] = sla_outcome(frame, now)
    created, responded, resolved = frame["created_at"], frame["first_responded_at"], frame["resolved_at"]
    facts["first_response_minutes"] = _wall_minutes(created, responded)
    facts["first_response_business_minutes"] = _business_by_department(frame, created, responded, calendars,
                                                                        facts["first_response_minutes"])
    facts["handling_minutes"] = _wall_minutes(created, resolved)
    facts["handling_business_minutes"] = _business_by_department(frame, created, resolved, calendars,
                                                                 facts["handling_minutes"])
    counted = _responses(frame, messages, calendars, facts["first_response_minutes"],
                         facts["first_response_business_minutes"])
    facts["responses"] = counted["responses"].fillna(0).astype(int)
    facts["response_total_minutes"] = counted["response_total_minutes"].fillna(0.0)
    facts["response_total_business_minutes"] = counted["response_total_business_minutes"].fillna(0.0)
    replies = facts["responses"].where(facts["responses"] > 0)
    facts["response_mean_minutes"] = facts["response_total_minutes"] / replies
    facts["response_business_mean_minutes"] = facts["response_total_business_minutes"] / replies
    facts["is_open"] = _is_open(facts["status"])
    facts["age_minutes"] = _wall_minutes(created, pd.Series(pd.Timestamp(now), index=frame.index)).where(
        facts["is_open"])
    return facts


def _is_open(status: pd.Series) -> pd.Series:
    values = status.to_numpy(dtype=object)
    return pd.Series(np.logical_or.reduce([values == s for s in OPEN_STATUSES]), index=status.index)


def open_at(frame: pd.DataFrame, as_of: dt.datetime) -> pd.Series:
    """Whether each ticket (``status``, ``created_at``, ``resolved_at``) was open at ``as_of``:
    created before it, and either still open now or resolved only after it. (A ticket resolved
    before ``as_of`` and reopened since counts as open: the ticket row keeps no earlier resolution.)"""
    moment = pd.Timestamp(as_of)
    later = frame["resolved_at"].notna() & (frame["resolved_at"] > moment)
    return (frame["created_at"] < moment) & (_is_open(frame["status"]) | later)


def backlog_at(frame: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """The tickets of ``frame`` open at ``as_of`` (:func:`open_at`) with their ``age_minutes`` then:
    the input of :meth:`Aggregates.add_backlog`."""
    backlog = frame[open_at(frame, as_of)].copy()
    backlog["age_minutes"] = _wall_minutes(backlog["created_at"],
                                           pd.Series(pd.Timestamp(as_of), index=backlog.index))
    return backlog


# -- the per-ticket report ------------------------------------------------------------------------

def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _iso(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 with the zone's offset (2026-11-23T09:30:00+07:00); empty for NaT.

    Built from whole arrays (numpy formats the local wall time, the offset is local − UTC in
    minutes), not a strftime per value. :func:`ticket_csv` writes the same text in pieces."""
    if values.empty:
        return pd.Series([], index=values.index, dtype=object)
    local = values.dt.tz_convert(timezone)
    wall = local.dt.tz_localize(None)
    missing = wall.isna().to_numpy()
    stamps = np.datetime_as_string(wall.to_numpy(dtype="datetime64[s]"), unit="s")
    offset = ((wall - values.dt.tz_localize(None)).dt.total_seconds() // 60).fillna(0).astype(int).to_numpy()
    sign = np.where(offset < 0, "-", "+")
    hours, minutes = np.abs(offset) // 60, np.abs(offset) % 60
    suffix = np.char.add(np.char.add(sign, np.char.zfill(hours.astype(str), 2)),
                         np.char.add(":", np.char.zfill(minutes.astype(str), 2)))
    text = np.char.add(stamps.astype(str), suffix).astype(object)
    text[missing] = ""
    return pd.Series(text, index=values.index, dtype=object)


def _flag(values: pd.Series) -> pd.Series:
    return values.map({True: "true", False: "false"}).astype(object)


def format_tickets(facts: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """The per-ticket report from :func:`ticket_facts`: times in ``timezone`` as ISO 8601 with
    offset, minutes to 0.1, sla_met and self_resolved as 'true'/'false' (sla_met '' while pending),
    text that starts like a formula marked as text (:func:`sla.cells.csv_text`)."""
    out = pd.DataFrame(index=facts.index)
    for column in ("reference", "seller_code", "department", "category", "priority", "status"):
        out[column] = facts[column]
    out["agent"] = facts["agent"].astype(object).fillna("")
    for column in TIME_COLUMNS:
        out[column] = _iso(facts[column], timezone)
    out["sla_met"] = facts["outcome"].map({"met": "true", "breached": "false", "pending": ""}).astype(object)
    out["csat"] = facts["csat"].round().astype("Int64")
    out["seller_name"] = facts["seller_name"].astype(object).fillna("")
    out["agent_name"] = facts["agent_name"].astype(object).fillna("")
    for column in ("first_response_minutes", "handling_minutes", "first_response_business_minutes",
                   "handling_business_minutes", "response_mean_minutes", "response_business_mean_minutes"):
        out[column] = facts[column].round(1)
    out["responses"] = facts["responses"].astype(int)
    out["reopens"] = facts["reopens"].astype(int)
    out["self_resolved"] = _flag(facts["self_resolved"])
    return csv_texts(out[TICKET_COLUMNS].reset_index(drop=True))


def ticket_table(frame: pd.DataFrame, now: dt.datetime, timezone: str, messages: pd.DataFrame | None = None,
                 calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """The per-ticket report (columns TICKET_COLUMNS) of a ticket frame."""
    return format_tickets(ticket_facts(frame, now, messages, calendars), timezone)


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


def _text_piece(values: pd.Series) -> _Piece:
    return _coded(values, lambda v: "," + _quoted(csv_text(v) if isinstance(v, str) else str(v)))


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
    utc = _utc_wall(values).astype("datetime64[s]").view(np.int64)
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


def _ticket_pieces(facts: pd.DataFrame, timezone: str) -> list[_Piece]:
    """The per-ticket CSV rows of ``facts`` as columns of pieces, in order: each row's line is the
    join of its pieces."""
    pieces: dict[str, list[_Piece]] = {"reference": [_Piece(None, _text_cells(facts["reference"]))]}
    for column in ("seller_code", "department", "category", "priority", "status", "agent", "seller_name",
                   "agent_name"):
        pieces[column] = [_text_piece(facts[column])]
    for column in TIME_COLUMNS:
        pieces[column] = _iso_pieces(facts[column], timezone)
    outcome = facts["outcome"].to_numpy(dtype=object)
    pieces["sla_met"] = [_Piece(np.where(outcome == "met", 0, np.where(outcome == "breached", 1, 2)), _SLA_MET)]
    pieces["csat"] = [_integer_piece(np.round(facts["csat"].to_numpy(dtype=float)))]
    for column in ("first_response_minutes", "handling_minutes", "first_response_business_minutes",
                   "handling_business_minutes", "response_mean_minutes", "response_business_mean_minutes"):
        pieces[column] = [_decimal_piece(facts[column].round(1).to_numpy(dtype=float))]
    pieces["responses"] = [_integer_piece(facts["responses"].to_numpy())]
    pieces["reopens"] = [_integer_piece(facts["reopens"].to_numpy())]
    pieces["self_resolved"] = [_Piece(facts["self_resolved"].to_numpy(dtype=bool).astype(np.int64), _TRUE_FALSE)]
    ordered = _merged([piece for column in TICKET_COLUMNS for piece in pieces[column]], max(256, len(facts) // 4))
    return ordered


def ticket_csv(facts: pd.DataFrame, timezone: str, header: bool = True) -> str:
    """The per-ticket report of :func:`ticket_facts` as CSV text with CRLF line ends: the same text
    as ``format_tickets(facts, timezone).to_csv(index=False, header=header, lineterminator="\\r\\n")``
    (text that starts like a formula marked with a ``'`` alike), several times faster (see the
    pieces above)."""
    lines = [",".join(TICKET_COLUMNS)] if header else []
    if len(facts):
        pieces = [piece.table if piece.codes is None else piece.table[piece.codes].tolist()
                  for piece in _ticket_pieces(facts, timezone)]
        lines.extend(map("".join, zip(*pieces, strict=True)))
    return "\r\n".join(lines) + "\r\n" if lines else ""


# -- per group ------------------------------------------------------------------------------------

_COUNTED = ["tickets", "met", "breached", "pending", "self_resolved", "resolved", "reopens", "responses",
            "csat_responses", "csat_satisfied", "open", *BACKLOG_BUCKETS]
# Minute values kept per ticket, in order: their medians, p90 and means are pandas' own (sums with
# Kahan's compensation, which depend on the order of the values), so a report fed in chunks gives
# the same figures to the last digit as one over all its tickets at once.
_KEPT = {"response": "first_response_minutes", "response_business": "first_response_business_minutes",
         "handling": "handling_minutes", "handling_business": "handling_business_minutes",
         "response_total": "response_total_minutes", "response_total_business": "response_total_business_minutes"}


def _local(created: pd.Series, timezone: str) -> pd.Series:
    return created.dt.tz_convert(timezone)


def _key_arrays(frame: pd.DataFrame, by: str | None, timezone: str) -> list[np.ndarray]:
    """The group key columns of each row: local creation day (as days since 1970-01-01) or hour, or
    the text columns with '(none)' for a missing first key and '' for a missing second one."""
    if by is None:
        return []
    if by == "day":
        days = _local(frame["created_at"], timezone).dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return [days.view("int64")]
    if by == "hour":
        return [_local(frame["created_at"], timezone).dt.hour.to_numpy()]
    keys = GROUPINGS[by]
    return [frame[column].astype(object).fillna("(none)" if column == keys[0] else "").to_numpy(dtype=object)
            for column in keys]


class _Grouping:
    """One grouping's state: a number per group key (in order of first appearance), the counts and
    CSAT sum per group number, and the group number of every ticket added, chunk by chunk."""

    def __init__(self, by: str | None, timezone: str) -> None:
        self.by, self.timezone = by, timezone
        self.numbers: dict[tuple, int] = {}
        self.counts = np.zeros((0, len(_COUNTED)), dtype=np.int64)
        self.csat = np.zeros(0)  # ratings are whole numbers: their sum is exact in any order
        self.groups_of_tickets: list[np.ndarray] = []

    def groups(self, frame: pd.DataFrame) -> np.ndarray:
        """The group number of each row, numbering keys not seen before."""
        arrays = _key_arrays(frame, self.by, self.timezone)
        if not arrays:
            keys, codes = [()], np.zeros(len(frame), dtype=np.intp)
        else:
            parts = [pd.factorize(array, use_na_sentinel=False) for array in arrays]
            combined = parts[0][0].astype(np.int64)
            for part_codes, distinct in parts[1:]:
                combined = combined * len(distinct) + part_codes
            codes, distinct_combined = pd.factorize(combined)
            keys = []
            for value in distinct_combined.tolist():
                key = []
                for _codes, distinct in reversed(parts):
                    value, position = divmod(value, len(distinct))
                    key.append(distinct[position])
                keys.append(tuple(reversed(key)))
        numbers = np.array([self.numbers.setdefault(key, len(self.numbers)) for key in keys], dtype=np.intp)
        grown = len(self.numbers) - len(self.counts)
        if grown > 0:
            self.counts = np.vstack([self.counts, np.zeros((grown, len(_COUNTED)), dtype=np.int64)])
            self.csat = np.concatenate([self.csat, np.zeros(grown)])
        return numbers[codes] if len(codes) else np.zeros(0, dtype=np.intp)

    def add(self, groups: np.ndarray, counted: dict[str, np.ndarray], csat: np.ndarray) -> None:
        size = len(self.numbers)
        for j, name in enumerate(_COUNTED):
            if name in counted:
                self.counts[:, j] += np.bincount(groups, weights=counted[name], minlength=size).astype(np.int64)
        self.csat += np.bincount(groups, weights=np.where(np.isnan(csat), 0.0, csat), minlength=size)
        if self.by is not None:  # one group over everything: its number need not be kept
            self.groups_of_tickets.append(groups.astype(np.int32))

    def add_backlog(self, groups: np.ndarray, age: np.ndarray) -> None:
        for column, (low, high) in BACKLOG_BUCKETS.items():
            inside = (age >= low) & (age < high)
            self.counts[:, _COUNTED.index(column)] += np.bincount(groups[inside], minlength=len(self.numbers))

    def key_frame(self) -> pd.DataFrame:
        columns = GROUPINGS[self.by]
        keys = list(self.numbers)
        frame = pd.DataFrame({column: [key[i] for key in keys] for i, column in enumerate(columns)})
        if self.by == "day":
            days = np.array(frame["day"].to_numpy(dtype=np.int64), dtype="datetime64[D]")
            frame["day"] = np.datetime_as_string(days, unit="D").astype(object)
        elif self.by == "hour":
            frame["hour"] = frame["hour"].astype(int)
        return frame


class Aggregates:
    """Aggregates of ticket facts for one or more groupings (``by`` values of GROUPINGS, None for one
    row over everything), fed chunk by chunk with :meth:`add` and, for the backlog columns,
    :meth:`add_backlog`; :meth:`table` gives what :func:`aggregate` gives over all the chunks at
    once, to the last digit. Memory (:attr:`nbytes`): the totals of each group, plus six minute
    values (48 bytes) and a group number per grouping but the overall one (4 bytes) per ticket."""

    def __init__(self, bys: Iterable[str | None], timezone: str) -> None:
        bys = list(bys)
        for by in bys:
            if by is not None and by not in GROUPINGS:
                raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
        self.timezone = timezone
        self.groupings = {by: _Grouping(by, timezone) for by in bys}
        self.kept: list[np.ndarray] = []  # per chunk: one row per _KEPT column, one column per ticket
        self.histogram_counts = np.zeros(len(HISTOGRAM_BINS), dtype=np.int64)
        self.unanswered = 0

    @property
    def nbytes(self) -> int:
        """Bytes held for the tickets added so far (group totals and keys aside)."""
        return (sum(chunk.nbytes for chunk in self.kept)
                + sum(g.nbytes for grouping in self.groupings.values() for g in grouping.groups_of_tickets))

    def add(self, facts: pd.DataFrame) -> None:
        """Fold in a chunk of :func:`ticket_facts` (all columns but the backlog's)."""
        if facts.empty:
            return
        outcome = facts["outcome"].to_numpy(dtype=object)
        csat = facts["csat"].to_numpy(dtype=float)
        counted = {
            "tickets": np.ones(len(facts)),
            "met": outcome == "met",
            "breached": outcome == "breached",
            "pending": outcome == "pending",
            "self_resolved": facts["self_resolved"].to_numpy(dtype=bool),
            "resolved": facts["resolved_at"].notna().to_numpy(),
            "reopens": facts["reopens"].to_numpy(dtype=float),
            "responses": facts["responses"].to_numpy(dtype=float),
            "csat_responses": ~np.isnan(csat),
            "csat_satisfied": csat >= 4,
            "open": facts["is_open"].to_numpy(dtype=bool),
        }
        self.kept.append(np.array([facts[column].to_numpy(dtype=float) for column in _KEPT.values()]))
        for grouping in self.groupings.values():
            grouping.add(grouping.groups(facts), counted, csat)
        self.histogram_counts += first_response_histogram(facts)["tickets"].to_numpy()
        self.unanswered += int(facts["first_response_minutes"].isna().sum())

    def add_backlog(self, backlog: pd.DataFrame) -> None:
        """Count tickets in the backlog columns by ``age_minutes`` (rows where it is NaN are not in
        the backlog); they need the grouping columns and ``created_at``, nothing else. Groups seen
        only here get rows with no tickets."""
        backlog = backlog[backlog["age_minutes"].notna()]
        if backlog.empty:
            return
        age = backlog["age_minutes"].to_numpy(dtype=float)
        for grouping in self.groupings.values():
            grouping.add_backlog(grouping.groups(backlog), age)

    def _kept(self, name: str) -> np.ndarray:
        """One kept column over every chunk: a column at a time, so that finishing a report needs
        little more memory than the kept values themselves."""
        row = list(_KEPT).index(name)
        return np.concatenate([chunk[row] for chunk in self.kept]) if self.kept else np.zeros(0)

    def _groups(self, grouping: _Grouping) -> np.ndarray:
        if grouping.by is None:
            return np.zeros(sum(chunk.shape[1] for chunk in self.kept), dtype=np.int32)
        return np.concatenate(grouping.groups_of_tickets) if grouping.groups_of_tickets else np.zeros(0, np.int32)

    def table(self, by: str | None) -> pd.DataFrame:
        """The group column(s), then GROUP_COLUMNS, one row per group sorted by the group columns."""
        grouping = self.groupings[by]
        size = len(grouping.numbers)
        if by is None and size == 0:  # one row over everything, even over nothing
            return pd.DataFrame([{c: 0 if c in COUNT_COLUMNS else np.nan for c in GROUP_COLUMNS}])[GROUP_COLUMNS]
        result = pd.DataFrame(grouping.counts, columns=_COUNTED)
        groups, every = self._groups(grouping), range(size)

        def per_group(name: str) -> pd.core.groupby.SeriesGroupBy:
            return pd.Series(self._kept(name)).groupby(groups)

        for name, prefix in (("response", "first_response"), ("response_business", "first_response_business")):
            values = per_group(name)
            result[f"{prefix}_median_minutes"] = values.median().reindex(every).round(1)
            result[f"{prefix}_mean_minutes"] = values.mean().reindex(every).round(1)
            result[f"{prefix}_p90_minutes"] = values.quantile(0.9).reindex(every).round(1)
        handling = per_group("handling")
        result["handling_mean_minutes"] = handling.mean().reindex(every).round(1)
        result["handling_median_minutes"] = handling.median().reindex(every).round(1)
        result["handling_business_mean_minutes"] = per_group("handling_business").mean().reindex(every).round(1)
        replies = result["responses"].where(result["responses"] > 0)
        for name, column in (("response_total", "response_mean_minutes"),
                             ("response_total_business", "response_business_mean_minutes")):
            result[column] = (per_group(name).sum().reindex(every) / replies).round(1)
        rated = result["csat_responses"].where(result["csat_responses"] > 0)
        result["csat_mean"] = (pd.Series(grouping.csat) / rated).round(2)
        result["csat_satisfied_share"] = (result["csat_satisfied"] / rated).round(4)
        decided = result["met"] + result["breached"]
        result["met_share"] = (result["met"] / decided.where(decided > 0)).round(4)
        result["self_resolved_share"] = (result["self_resolved"] / result["tickets"].where(result["tickets"] > 0)
                                         ).round(4)
        if by is None:
            return result[GROUP_COLUMNS]
        keys = grouping.key_frame()
        result = pd.concat([keys, result], axis=1).sort_values(GROUPINGS[by], kind="stable", ignore_index=True)
        return result[GROUPINGS[by] + GROUP_COLUMNS]

    def histogram(self) -> pd.DataFrame:
        """Answered tickets per first-response bucket over every chunk (see first_response_histogram)."""
        return pd.DataFrame({"bucket": [label for label, _low, _high in HISTOGRAM_BINS],
                             "tickets": self.histogram_counts.astype(int)})


def aggregate(facts: pd.DataFrame, by: str | None, timezone: str) -> pd.DataFrame:
    """Aggregates of :func:`ticket_facts` per group (``by`` one of GROUPINGS; None: one row over
    everything, without group columns): the group column(s), then GROUP_COLUMNS. The backlog
    columns count the given tickets still open at the facts' ``now``."""
    totals = Aggregates([by], timezone)
    totals.add(facts)
    totals.add_backlog(facts)
    return totals.table(by)


def grouped_table(frame: pd.DataFrame, by: str, now: dt.datetime, timezone: str,
                  messages: pd.DataFrame | None = None,
                  calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """Aggregates of a ticket frame per group: the group column(s), then GROUP_COLUMNS."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    return aggregate(ticket_facts(frame, now, messages, calendars), by, timezone)


def first_response_histogram(facts: pd.DataFrame) -> pd.DataFrame:
    """Answered tickets per first-response bucket (wall-clock): columns bucket, tickets."""
    minutes = facts["first_response_minutes"].dropna().clip(lower=0)
    edges = [low for _label, low, _high in HISTOGRAM_BINS] + [np.inf]
    labels = [label for label, _low, _high in HISTOGRAM_BINS]
    buckets = pd.cut(minutes, bins=edges, labels=labels, right=False)
    counts = buckets.value_counts(sort=False).reindex(labels, fill_value=0)
    return pd.DataFrame({"bucket": labels, "tickets": counts.to_numpy().astype(int)})
