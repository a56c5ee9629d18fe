"""The dashboard's charts in the page's language: the trend's bars (days, ISO weeks or months, by
sla.charts) with a short label for the axis and a full one for tooltips and the data table."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from babel.dates import format_date, format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from sla import charts

from ..templating import localdate


def _names(first: dt.date, last: dt.date, grain: str, opening: bool) -> tuple[str, str]:
    """(axis label, full name) of the period first..last. Months carry their year on the axis at
    the first bar and in January, so that a range over years reads without the table."""
    if grain == charts.WEEK:
        week = first.isocalendar().week
        return (_("W%(week)s", week=week),
                _("Week %(week)s (%(start)s – %(end)s)", week=week, start=localdate(first, "short"),
                  end=localdate(last, "short")))
    if grain == charts.MONTH:
        locale = get_locale()
        axis = format_date(first, "MMM yyyy" if opening or first.month == 1 else "MMM", locale=locale)
        return axis, format_skeleton("yMMMM", first, locale=locale)
    return localdate(first, "short"), localdate(first, "weekday")


def trend(by_day: list[dict] | pd.DataFrame, day_from: dt.date, day_to: dt.date) -> tuple[str, list[dict]]:
    """The grain of the trend (sla.charts.grain_for the range's length) and its bars: per period the
    outcome counts and met_share, `axis` and `name` in the page's language."""
    grain = charts.grain_for((day_to - day_from).days + 1)
    table = charts.by_period(pd.DataFrame(by_day), day_from, day_to, grain)
    rows = []
    for n, row in enumerate(table.to_dict(orient="records")):
        axis, name = _names(row["first"], row["last"], grain, n == 0)
        share = row["met_share"]
        rows.append({**{k: int(row[k]) for k in charts.OUTCOME_COLUMNS}, "first": row["first"].isoformat(),
                     "met_share": None if pd.isna(share) else float(share), "axis": axis, "name": name})
    return grain, rows


def init_app(bp) -> None:
    """The layout helpers the chart macros call (templates/reports/_charts.html)."""
    bp.add_app_template_global(charts.axis_layout, "axis_layout")
    bp.add_app_template_global(charts.shorten, "shorten")
