"""The per-ticket report of :func:`sla.metrics.ticket_facts` as a DataFrame of cells: times as ISO 8601
with the zone's offset, minutes to 0.1, flags as 'true'/'false', text marked where it starts like a
formula. :mod:`sla.ticket_csv` writes the same cells as CSV text, faster.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .calendars import Calendar
from .cells import csv_texts
from .metrics import TIME_COLUMNS, ticket_facts

TICKET_COLUMNS = ["reference", "seller_code", "department", "category", "priority", "status", "agent",
                  "created_at", "first_response_due_at", "first_responded_at", "first_response_minutes", "sla_met",
                  "resolved_at", "handling_minutes", "csat",
                  "seller_name", "agent_name", "first_response_business_minutes", "handling_business_minutes",
                  "responses", "response_mean_minutes", "response_business_mean_minutes", "reopens",
                  "self_resolved"]


def _iso(values: pd.Series, timezone: str) -> pd.Series:
    """ISO 8601 with the zone's offset (2026-11-23T09:30:00+07:00); empty for NaT.

    Built from whole arrays (numpy formats the local wall time, the offset is local − UTC in
    minutes), not a strftime per value. :mod:`sla.ticket_csv` writes the same text in pieces."""
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

