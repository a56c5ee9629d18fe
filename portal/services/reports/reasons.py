"""The dashboard's "by resolution reason": tickets, handling time (creation to resolution) and the
share reopened at least once per reason, over a report's range, with each reason's label in the
page's language (sla.aggregates.reason_table does the sums)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

from sla import aggregates

from .. import resolution_reasons
from . import facts
from .params import find_department, local_range


def by_reason(day_from: dt.date, day_to: dt.date, *, now: dt.datetime, timezone: ZoneInfo,
              department: str | None = None) -> pd.DataFrame:
    """aggregates.REASON_COLUMNS per reason of the tickets created on local days day_from..day_to
    (both inclusive), the most frequent first; `reason_label` in the page's language, switched-off
    reasons included; tickets without a reason in a row whose reason is "(none)"."""
    start, end = local_range(day_from, day_to, timezone)
    totals = facts.aggregates(start, end, find_department(department), now, ["reason"], str(timezone))
    table = aggregates.reason_table(totals.table("reason"))
    labels = resolution_reasons.labels()
    table["reason_label"] = [labels.get(code, "") for code in table["reason"]]
    return table
