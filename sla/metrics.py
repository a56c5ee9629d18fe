"""SLA metrics over DataFrames of tickets and messages; pure pandas and numpy, no I/O, no clock.

Input
-----
``frame`` has one row per ticket with the columns ``reference``, ``seller_code``, ``department``,
``category``, ``priority``, ``status``, ``agent`` (the assignee's e-mail or None), ``created_at``,
``first_response_due_at``, ``first_responded_at``, ``resolved_at`` (UTC, timezone-aware, NaT when
unset), ``self_resolved`` (bool) and ``csat`` (float or NaN). Optional columns: ``seller_name``,
``agent_name``, ``reopens`` (how often the ticket went from resolved back to open; 0 when absent),
``reason`` and ``reason_label`` (the resolution reason's code and label; missing when absent).

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
* **reopens**: status changes from ``resolved`` back to ``open``; **reopened_share**: the share of
  tickets reopened at least once.
* **CSAT**: mean of the 1–5 ratings given; ``csat_satisfied_share`` = share of ratings that are 4 or 5.
* **open**: tickets of the report whose status is still new, open or waiting on the seller.
* **backlog**: tickets open at a moment (:func:`open_at`), by their age then: under 4 h, 4–24 h,
  1–3 days, over 3 days (lower bounds inclusive). :func:`sla.aggregates.aggregate` counts the
  given tickets still open at ``now``; a report gives :meth:`sla.aggregates.Aggregates.add_backlog`
  every ticket open at the end of its range instead, whatever its creation date (:func:`backlog_at`).
* Quantiles (p90) interpolate linearly between tickets (pandas' default).

Minutes are rounded to 0.1, shares to 4 decimals, CSAT means to 2 in the output tables only.

Modules
-------
This module gives the per-ticket measures (:func:`ticket_facts`) and what is open when
(:func:`open_at`, :func:`backlog_at`). :mod:`sla.business_time` counts the minutes;
:mod:`sla.ticket_report` and :mod:`sla.ticket_csv` write the per-ticket report (as a DataFrame, as
CSV text); :mod:`sla.aggregates` makes the per-group tables.

Chunks
------
Every per-ticket measure depends on one ticket and its own messages, so :func:`ticket_facts` and
``ticket_csv`` work on any chunk of tickets. ``Aggregates`` (:mod:`sla.aggregates`) folds chunks
of facts into per-group tables: counts and sums add up; medians and p90 need the values themselves,
so it keeps the three minute values they are taken from (first response, its business-time twin, handling) and
a group number per grouping for each ticket that has one: 28 bytes a ticket for one grouping, not
the whole facts.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from vocabulary import OPEN_STATUSES

from .business_time import business_by_department, utc_wall, wall_minutes
from .calendars import Calendar

TIME_COLUMNS = ("created_at", "first_response_due_at", "first_responded_at", "resolved_at")


# -- per ticket -----------------------------------------------------------------------------------

def sla_outcome(frame: pd.DataFrame, now: dt.datetime) -> pd.Series:
    """'met', 'breached' or 'pending' per ticket: answered in time, answered late or never answered
    and past due, or still within its target (self-resolved tickets without a reply count as pending)."""
    responded = frame["first_responded_at"].notna()
    due = frame["first_response_due_at"]
    self_resolved = frame["self_resolved"].fillna(0).astype(bool) if "self_resolved" in frame else False
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
    written = utc_wall(pd.to_datetime(messages["created_at"], utc=True))
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
    created, responded = utc_wall(tickets["created_at"]), utc_wall(tickets["first_responded_at"])
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
        wall_total += _sum_by_ticket(answering, wall_minutes(since, replied), count)
        business_total += _sum_by_ticket(answering, business_by_department(answered, since, replied, calendars),
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
    for column in ("seller_name", "agent_name", "reason", "reason_label"):
        if column not in facts:
            facts[column] = None
    facts["self_resolved"] = facts["self_resolved"].fillna(0).astype(bool)
    facts["csat"] = pd.to_numeric(facts["csat"], errors="coerce").astype(float)
    facts["reopens"] = (pd.to_numeric(facts["reopens"], errors="coerce").fillna(0).astype(int)
                        if "reopens" in facts else 0)
    facts["outcome"] = sla_outcome(frame, now)
    created, responded, resolved = frame["created_at"], frame["first_responded_at"], frame["resolved_at"]
    facts["first_response_minutes"] = wall_minutes(created, responded)
    facts["first_response_business_minutes"] = business_by_department(frame, created, responded, calendars,
                                                                        facts["first_response_minutes"])
    facts["handling_minutes"] = wall_minutes(created, resolved)
    facts["handling_business_minutes"] = business_by_department(frame, created, resolved, calendars,
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
    facts["age_minutes"] = wall_minutes(created, pd.Series(pd.Timestamp(now), index=frame.index)).where(
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
    the input of :meth:`sla.aggregates.Aggregates.add_backlog`."""
    backlog = frame[open_at(frame, as_of)].copy()
    backlog["age_minutes"] = wall_minutes(backlog["created_at"],
                                           pd.Series(pd.Timestamp(as_of), index=backlog.index))
    return backlog

