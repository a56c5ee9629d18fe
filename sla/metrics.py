"""SLA metrics over DataFrames of tickets and messages; pure pandas, no I/O, no clock.

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
* **backlog**: tickets whose status is still new, open or waiting on the seller, by age at ``now``:
  under 4 h, 4–24 h, 1–3 days, over 3 days (lower bounds inclusive).
* Quantiles (p90) interpolate linearly between tickets (pandas' default).

Minutes are rounded to 0.1, shares to 4 decimals, CSAT means to 2 in the output tables only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from .calendars import AlwaysOpen, Calendar

OPEN_STATUSES = ("new", "open", "waiting_on_seller")
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
                            calendars: Mapping[str, Calendar] | None) -> pd.Series:
    result = _wall_minutes(start, end).astype(float)
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


def _exchange(frame: pd.DataFrame, messages: pd.DataFrame | None) -> pd.DataFrame:
    """The public exchange per ticket (reference, author_kind, created_at), in order: the logged
    messages plus the ticket's creation as a seller message and, when no staff reply is logged,
    its recorded first response."""
    opening = pd.DataFrame({"reference": frame["reference"], "author_kind": "seller",
                            "created_at": frame["created_at"]})
    if messages is None or messages.empty:
        logged = pd.DataFrame({"reference": pd.Series(dtype=object), "author_kind": pd.Series(dtype=object),
                               "created_at": pd.Series(dtype=frame["created_at"].dtype)})
    else:
        logged = messages.loc[messages["reference"].isin(frame["reference"])
                              & messages["author_kind"].isin(("seller", "staff")),
                              ["reference", "author_kind", "created_at"]]
    has_staff = frame["reference"].isin(logged.loc[logged["author_kind"] == "staff", "reference"])
    answered = frame[~has_staff & frame["first_responded_at"].notna()]
    recorded = pd.DataFrame({"reference": answered["reference"], "author_kind": "staff",
                             "created_at": answered["first_responded_at"]})
    parts = [part for part in (opening, logged, recorded) if not part.empty]
    if not parts:
        return opening
    exchange = pd.concat(parts, ignore_index=True)
    exchange["created_at"] = pd.to_datetime(exchange["created_at"], utc=True)
    return exchange.sort_values(["reference", "created_at"], kind="stable", ignore_index=True)


def _responses(frame: pd.DataFrame, messages: pd.DataFrame | None,
               calendars: Mapping[str, Calendar] | None) -> pd.DataFrame:
    """Per ticket: counted staff replies and their total wall-clock and business minutes."""
    exchange = _exchange(frame, messages)
    staff = exchange["author_kind"].eq("staff")
    # replies strictly before each row: seller messages with the same count wait for the same reply
    exchange["round"] = staff.astype(int).groupby(exchange["reference"]).cumsum() - staff.astype(int)
    waiting = (exchange[~staff].groupby(["reference", "round"], sort=False)["created_at"].min()
               .rename("since").reset_index())
    answers = exchange[staff].merge(waiting, on=["reference", "round"], how="inner")
    departments = frame.drop_duplicates("reference").set_index("reference")["department"]
    answers["department"] = answers["reference"].map(departments)
    answers["wall"] = _wall_minutes(answers["since"], answers["created_at"])
    answers["business"] = _business_by_department(answers, answers["since"], answers["created_at"], calendars)
    per_ticket = answers.groupby("reference").agg(responses=("wall", "size"), response_total_minutes=("wall", "sum"),
                                                  response_total_business_minutes=("business", "sum"))
    return per_ticket.reindex(frame["reference"].to_numpy()).set_index(frame.index)


def ticket_facts(frame: pd.DataFrame, now: dt.datetime, messages: pd.DataFrame | None = None,
                 calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """The input frame plus every per-ticket measure, unrounded: outcome, first_response_minutes,
    first_response_business_minutes, handling_minutes, handling_business_minutes, responses,
    response_total_minutes, response_total_business_minutes, response_mean_minutes,
    response_business_mean_minutes, reopens, is_open and age_minutes (open tickets' age at now)."""
    facts = frame.copy()
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
    facts["first_response_business_minutes"] = _business_by_department(frame, created, responded, calendars)
    facts["handling_minutes"] = _wall_minutes(created, resolved)
    facts["handling_business_minutes"] = _business_by_department(frame, created, resolved, calendars)
    counted = _responses(frame, messages, calendars)
    facts["responses"] = counted["responses"].fillna(0).astype(int)
    facts["response_total_minutes"] = counted["response_total_minutes"].fillna(0.0)
    facts["response_total_business_minutes"] = counted["response_total_business_minutes"].fillna(0.0)
    replies = facts["responses"].where(facts["responses"] > 0)
    facts["response_mean_minutes"] = facts["response_total_minutes"] / replies
    facts["response_business_mean_minutes"] = facts["response_total_business_minutes"] / replies
    facts["is_open"] = facts["status"].isin(OPEN_STATUSES)
    facts["age_minutes"] = _wall_minutes(created, pd.Series(pd.Timestamp(now), index=frame.index)).where(
        facts["is_open"])
    return facts


AGGREGATE_INPUT = ["department", "agent", "agent_name", "category", "seller_code", "seller_name", "created_at",
                   "resolved_at", "outcome", "csat", "self_resolved", "reopens", "responses", "response_total_minutes",
                   "response_total_business_minutes", "is_open", "age_minutes", "first_response_minutes",
                   "first_response_business_minutes", "handling_minutes", "handling_business_minutes"]
_TEXT = ("department", "agent", "agent_name", "category", "seller_code", "seller_name", "outcome")


def compact(facts: pd.DataFrame) -> pd.DataFrame:
    """Only what :func:`aggregate` and :func:`first_response_histogram` read, text as categories:
    a fraction of the memory when many chunks of facts are kept for one aggregate report."""
    out = facts[AGGREGATE_INPUT].copy()
    for column in _TEXT:
        out[column] = out[column].astype(object).astype("category")
    return out


def concat_compact(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate :func:`compact` frames keeping their text columns categorical."""
    if len(parts) == 1:
        return parts[0]
    merged = pd.concat([p.drop(columns=list(_TEXT)) for p in parts], ignore_index=True)
    for column in _TEXT:
        merged[column] = union_categoricals([p[column] for p in parts], ignore_order=True)
    return merged[AGGREGATE_INPUT]


def _iso(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 with the zone's offset (2026-11-23T09:30:00+07:00); empty for NaT.

    Built from whole arrays (numpy formats the local wall time, the offset is local − UTC in
    minutes), not a strftime per value: this is most of a per-ticket export's work."""
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
    offset, minutes to 0.1, sla_met and self_resolved as 'true'/'false' (sla_met '' while pending)."""
    out = pd.DataFrame(index=facts.index)
    for column in ("reference", "seller_code", "department", "category", "priority", "status"):
        out[column] = facts[column]
    out["agent"] = facts["agent"].fillna("")
    for column in TIME_COLUMNS:
        out[column] = _iso(facts[column], timezone)
    out["sla_met"] = facts["outcome"].map({"met": "true", "breached": "false", "pending": ""}).astype(object)
    out["csat"] = facts["csat"].round().astype("Int64")
    out["seller_name"] = facts["seller_name"].fillna("")
    out["agent_name"] = facts["agent_name"].fillna("")
    for column in ("first_response_minutes", "handling_minutes", "first_response_business_minutes",
                   "handling_business_minutes", "response_mean_minutes", "response_business_mean_minutes"):
        out[column] = facts[column].round(1)
    out["responses"] = facts["responses"].astype(int)
    out["reopens"] = facts["reopens"].astype(int)
    out["self_resolved"] = _flag(facts["self_resolved"])
    return out[TICKET_COLUMNS].reset_index(drop=True)


def ticket_table(frame: pd.DataFrame, now: dt.datetime, timezone: str, messages: pd.DataFrame | None = None,
                 calendars: Mapping[str, Calendar] | None = None) -> pd.DataFrame:
    """The per-ticket report (columns TICKET_COLUMNS) of a ticket frame."""
    return format_tickets(ticket_facts(frame, now, messages, calendars), timezone)


# -- per group ------------------------------------------------------------------------------------

def aggregate(facts: pd.DataFrame, by: str | None, timezone: str) -> pd.DataFrame:
    """Aggregates of :func:`ticket_facts` per group (``by`` one of GROUPINGS; None: one row over
    everything, without group columns): the group column(s), then GROUP_COLUMNS."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    outcome = facts["outcome"].astype(object)
    csat = facts["csat"].astype(float)
    data = pd.DataFrame({
        "tickets": 1,
        "met": (outcome == "met").astype(int),
        "breached": (outcome == "breached").astype(int),
        "pending": (outcome == "pending").astype(int),
        "self_resolved": facts["self_resolved"].astype(int),
        "resolved": facts["resolved_at"].notna().astype(int),
        "reopens": facts["reopens"].astype(int),
        "responses": facts["responses"].astype(int),
        "response_total": facts["response_total_minutes"].astype(float),
        "response_total_business": facts["response_total_business_minutes"].astype(float),
        "csat_responses": csat.notna().astype(int),
        "csat_satisfied": (csat >= 4).astype(int),
        "open": facts["is_open"].astype(int),
        "response": facts["first_response_minutes"].astype(float),
        "response_business": facts["first_response_business_minutes"].astype(float),
        "handling": facts["handling_minutes"].astype(float),
        "handling_business": facts["handling_business_minutes"].astype(float),
        "csat": csat,
    }, index=facts.index)
    age = facts["age_minutes"].astype(float)
    for column, (low, high) in BACKLOG_BUCKETS.items():
        data[column] = ((age >= low) & (age < high)).astype(int)
    local = facts["created_at"].dt.tz_convert(timezone)
    keys = GROUPINGS[by] if by else ["_all"]
    if by == "day":
        data["day"] = local.dt.strftime("%Y-%m-%d").astype(object)
    elif by == "hour":
        data["hour"] = local.dt.hour.astype(int)
    elif by is None:
        data["_all"] = 0
    else:
        for column in keys:
            data[column] = facts[column].astype(object).fillna("(none)" if column == keys[0] else "")
    grouped = data.groupby(keys, sort=True, dropna=False)
    counts = ["tickets", "met", "breached", "pending", "self_resolved", "resolved", "reopens", "responses",
              "csat_responses", "csat_satisfied", "open", *BACKLOG_BUCKETS]
    result = grouped[counts].sum().astype(int)
    totals = grouped[["response_total", "response_total_business"]].sum()
    result["first_response_median_minutes"] = grouped["response"].median().round(1)
    result["first_response_mean_minutes"] = grouped["response"].mean().round(1)
    result["first_response_p90_minutes"] = grouped["response"].quantile(0.9).round(1)
    result["first_response_business_median_minutes"] = grouped["response_business"].median().round(1)
    result["first_response_business_mean_minutes"] = grouped["response_business"].mean().round(1)
    result["first_response_business_p90_minutes"] = grouped["response_business"].quantile(0.9).round(1)
    replies = result["responses"].where(result["responses"] > 0)
    result["response_mean_minutes"] = (totals["response_total"] / replies).round(1)
    result["response_business_mean_minutes"] = (totals["response_total_business"] / replies).round(1)
    result["handling_mean_minutes"] = grouped["handling"].mean().round(1)
    result["handling_median_minutes"] = grouped["handling"].median().round(1)
    result["handling_business_mean_minutes"] = grouped["handling_business"].mean().round(1)
    result["csat_mean"] = grouped["csat"].mean().round(2)
    rated = result["csat_responses"].where(result["csat_responses"] > 0)
    result["csat_satisfied_share"] = (result["csat_satisfied"] / rated).round(4)
    decided = result["met"] + result["breached"]
    result["met_share"] = (result["met"] / decided.where(decided > 0)).round(4)
    result["self_resolved_share"] = (result["self_resolved"] / result["tickets"].where(result["tickets"] > 0)).round(4)
    result = result.reset_index()
    if by is None:
        if result.empty:  # one row over everything, even over nothing
            result = pd.DataFrame([{c: 0 if c in COUNT_COLUMNS else np.nan for c in GROUP_COLUMNS}])
        return result[GROUP_COLUMNS]
    return result[keys + GROUP_COLUMNS]


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
