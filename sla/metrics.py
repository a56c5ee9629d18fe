"""SLA metrics over a DataFrame of tickets (one row per ticket); pure pandas, no I/O.

Expected columns: created_at, first_response_due_at, first_responded_at, resolved_at (UTC,
timezone-aware or NaT), self_resolved (bool), csat (float or NaN)."""
from __future__ import annotations

import datetime as dt

import pandas as pd

TICKET_COLUMNS = ["reference", "seller_code", "department", "category", "priority", "status", "agent",
                  "created_at", "first_response_due_at", "first_responded_at", "first_response_minutes", "sla_met",
                  "resolved_at", "handling_minutes", "csat"]
GROUP_COLUMNS = ["tickets", "met", "breached", "pending", "met_share", "first_response_median_minutes",
                 "first_response_mean_minutes", "first_response_p90_minutes", "csat_mean", "csat_satisfied_share",
                 "self_resolved", "handling_mean_minutes"]
GROUPINGS = {"department": ["department"], "agent": ["agent"], "category": ["category"], "day": ["day"],
             "hour": ["hour"], "seller": ["seller_code"]}


def _minutes(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return ((later - earlier).dt.total_seconds() / 60).round(1)


def sla_outcome(frame: pd.DataFrame, now: dt.datetime) -> pd.Series:
    """'met', 'breached' or 'pending' per ticket: answered in time, answered late or never answered
    and past due, or still within its target (self-resolved tickets without a reply count as pending)."""
    responded = frame["first_responded_at"].notna()
    due = frame["first_response_due_at"]
    outcome = pd.Series("pending", index=frame.index, dtype=object)
    outcome[responded & (frame["first_responded_at"] <= due)] = "met"
    outcome[responded & (frame["first_responded_at"] > due)] = "breached"
    overdue = ~responded & (due <= pd.Timestamp(now)) & ~frame["self_resolved"].astype(bool)
    outcome[overdue] = "breached"
    return outcome


def ticket_table(frame: pd.DataFrame, now: dt.datetime, timezone: str) -> pd.DataFrame:
    """The per-ticket report: times in `timezone` as ISO 8601 with offset, wall-clock minutes,
    sla_met as 'true'/'false'/'' (pending)."""
    out = frame.copy()
    outcome = sla_outcome(frame, now)
    out["first_response_minutes"] = _minutes(frame["first_responded_at"], frame["created_at"])
    out["handling_minutes"] = _minutes(frame["resolved_at"], frame["created_at"])
    out["sla_met"] = outcome.map({"met": "true", "breached": "false", "pending": ""})
    for column in ("created_at", "first_response_due_at", "first_responded_at", "resolved_at"):
        local = frame[column].dt.tz_convert(timezone)
        out[column] = local.map(lambda v: v.isoformat(timespec="seconds") if pd.notna(v) else "")
    out["csat"] = frame["csat"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    return out[TICKET_COLUMNS]


def grouped_table(frame: pd.DataFrame, by: str, now: dt.datetime, timezone: str) -> pd.DataFrame:
    """Aggregates per group: counts by outcome, share met (of decided tickets), first-response
    median/mean/p90 minutes, CSAT mean and share of 4–5, self-resolved count, handling mean."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")
    data = pd.DataFrame({
        "outcome": sla_outcome(frame, now),
        "response": (frame["first_responded_at"] - frame["created_at"]).dt.total_seconds() / 60,
        "handling": (frame["resolved_at"] - frame["created_at"]).dt.total_seconds() / 60,
        "csat": frame["csat"].astype(float),
        "self_resolved": frame["self_resolved"].astype(bool),
    })
    local = frame["created_at"].dt.tz_convert(timezone)
    data["day"] = local.dt.strftime("%Y-%m-%d")
    data["hour"] = local.dt.hour
    for column in ("department", "agent", "category", "seller_code"):
        data[column] = frame[column].fillna("(none)")
    keys = GROUPINGS[by]
    grouped = data.groupby(keys, sort=True, dropna=False)
    result = pd.DataFrame({
        "tickets": grouped.size(),
        "met": grouped["outcome"].apply(lambda s: int((s == "met").sum())),
        "breached": grouped["outcome"].apply(lambda s: int((s == "breached").sum())),
        "pending": grouped["outcome"].apply(lambda s: int((s == "pending").sum())),
        "first_response_median_minutes": grouped["response"].median().round(1),
        "first_response_mean_minutes": grouped["response"].mean().round(1),
        "first_response_p90_minutes": grouped["response"].quantile(0.9).round(1),
        "csat_mean": grouped["csat"].mean().round(2),
        "csat_satisfied_share": grouped["csat"].apply(lambda s: round(float((s >= 4).sum() / s.notna().sum()), 4)
                                                      if s.notna().any() else float("nan")),
        "self_resolved": grouped["self_resolved"].sum().astype(int),
        "handling_mean_minutes": grouped["handling"].mean().round(1),
    })
    decided = result["met"] + result["breached"]
    result["met_share"] = (result["met"] / decided.where(decided > 0)).round(4)
    return result.reset_index()[keys + GROUP_COLUMNS]
