"""The manager dashboard's figures: totals, by day, hour, department and agent, the first response
histogram and the backlog, from one pass over the range's tickets."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from sla import aggregates

from . import facts
from .params import find_department, local_range

DASHBOARD_BYS = (None, "day", "hour", "department", "agent")


@dataclass(frozen=True)
class Dashboard:
    """Everything the manager dashboard shows, from one pass over the range's tickets."""

    totals: dict
    by_day: pd.DataFrame
    by_hour: pd.DataFrame
    by_department: pd.DataFrame
    by_agent: pd.DataFrame
    histogram: pd.DataFrame
    unanswered: int
    backlog_at: dt.datetime  # the moment the backlog columns describe: the end of the range, or now


def _fill(table: pd.DataFrame, key: str, values: list) -> pd.DataFrame:
    """Rows for every key value (days or hours without tickets get zero counts)."""
    filled = table.set_index(key).reindex(values)
    for column in aggregates.COUNT_COLUMNS:
        filled[column] = filled[column].fillna(0).astype(int)
    return filled.rename_axis(key).reset_index()


def _with_tickets(table: pd.DataFrame) -> pd.DataFrame:
    """Only groups with tickets in the range (not those that only have a backlog)."""
    return table[table["tickets"] > 0].reset_index(drop=True)


def dashboard(day_from: dt.date, day_to: dt.date, *, now: dt.datetime, timezone: ZoneInfo,
              department: str | None = None) -> Dashboard:
    """The dashboard's figures over the range, from one pass over its tickets."""
    start, end = local_range(day_from, day_to, timezone)
    tz = str(timezone)
    totals = facts.aggregates(start, end, find_department(department), now, DASHBOARD_BYS, tz)
    days = [(day_from + dt.timedelta(days=n)).isoformat() for n in range((day_to - day_from).days + 1)]
    return Dashboard(
        totals=totals.table(None).iloc[0].to_dict(),
        by_day=_fill(totals.table("day"), "day", days),
        by_hour=_fill(totals.table("hour"), "hour", list(range(24))),
        by_department=totals.table("department"),
        by_agent=_with_tickets(totals.table("agent")),
        histogram=totals.histogram(),
        unanswered=totals.unanswered,
        backlog_at=min(end, now),
    )
