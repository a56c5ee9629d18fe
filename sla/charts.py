"""How a report's charts read at any range: the daily trend folded into ISO weeks or calendar months
when the range is long (:func:`grain_for`, :func:`by_period`), and axis labels placed so that no two
overlap (:func:`axis_layout`, :func:`shorten`). Sizes are in the units of the chart's viewBox: the
chart scales with its card, text included, so what does not overlap in the viewBox never does."""
from __future__ import annotations

import datetime as dt
import math
from typing import NamedTuple

import numpy as np
import pandas as pd

DAY, WEEK, MONTH = "day", "week", "month"
WEEKS_AFTER_DAYS = 45  # more days than this: one bar per ISO week
MONTHS_AFTER_DAYS = 180  # more days than this: one bar per calendar month
OUTCOME_COLUMNS = ["tickets", "met", "breached", "pending"]

# Advances in ems, upper bounds of the widest common system-ui font (DejaVu Sans, as Chromium draws it on
# Linux): no font metrics on the server, so a label is measured by the classes of its characters.
CHAR_WIDTH = 0.65  # digits, lower case letters with or without Vietnamese marks, most signs
WIDE_CHARS, WIDE_WIDTH = frozenset("…WMmw%&@<>≤≥"), 1.0
NARROW_CHARS, NARROW_WIDTH = frozenset(" rtf()[]-/:;,.·'!|ijlJIĩìíỉị"), 0.42
UPPER_WIDTH = 0.8
LABEL_GAP = 4.0  # the least room between two labels
ANGLE = 45  # degrees a crowded axis's labels are turned by


def grain_for(days: int) -> str:
    """The bar a trend of `days` days is drawn with: days up to WEEKS_AFTER_DAYS, then ISO weeks up
    to MONTHS_AFTER_DAYS, then months (a year of days is 365 slivers no one can read)."""
    if days > MONTHS_AFTER_DAYS:
        return MONTH
    if days > WEEKS_AFTER_DAYS:
        return WEEK
    return DAY


def period_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the period (day, ISO week from Monday, calendar month) holding `day`."""
    if grain == WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == MONTH:
        return day.replace(day=1)
    return day


class Period(NamedTuple):
    """One bar of the trend: the days it covers within the range, both inclusive."""

    first: dt.date
    last: dt.date


def periods(day_from: dt.date, day_to: dt.date, grain: str) -> list[Period]:
    """The range's periods in order; the first and the last are cut at the range's ends."""
    out: list[Period] = []
    day = day_from
    while day <= day_to:
        start = period_start(day, grain)
        if grain == WEEK:
            end = start + dt.timedelta(days=6)
        elif grain == MONTH:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            end = day
        out.append(Period(day, min(end, day_to)))
        day = out[-1].last + dt.timedelta(days=1)
    return out


def by_period(by_day: pd.DataFrame, day_from: dt.date, day_to: dt.date, grain: str) -> pd.DataFrame:
    """The daily rows (`day` as ISO text, the OUTCOME_COLUMNS counts) summed per period: columns
    first, last (dates), the counts and met_share = met / (met + breached), NaN when nothing was
    decided. Every period of the range has a row, zero when it had no tickets."""
    spans = periods(day_from, day_to, grain)
    starts = np.array([p.first for p in spans], dtype="datetime64[D]")
    days = np.array(by_day["day"].astype(str), dtype="datetime64[D]")  # numpy reads ISO days of any year
    # each day's period: the last period starting on or before it
    index = np.searchsorted(starts, days, side="right") - 1
    counts = by_day[OUTCOME_COLUMNS].fillna(0).groupby(index).sum()
    out = counts.reindex(range(len(spans)), fill_value=0).astype(int)
    decided = out["met"] + out["breached"]
    out["met_share"] = (out["met"] / decided.where(decided > 0)).astype(float)
    out.insert(0, "last", [p.last for p in spans])
    out.insert(0, "first", [p.first for p in spans])
    return out.reset_index(drop=True)


class AxisLayout(NamedTuple):
    """Which labels to draw (every `step`-th, from the first) and how: turned by `angle` degrees
    (0: level); `depth` is the height under the axis they need, `reach` how far left of its anchor
    a label may run (half its width when level and centred, its turned length's shadow when turned)."""

    step: int
    angle: int
    depth: float
    reach: float = 0.0


def _advance(char: str) -> float:
    if char in WIDE_CHARS:
        return WIDE_WIDTH
    if char in NARROW_CHARS:
        return NARROW_WIDTH
    return UPPER_WIDTH if char.isupper() else CHAR_WIDTH


def text_width(text: str, font_size: float) -> float:
    """An upper estimate of the drawn width of `text`, by the classes of its characters."""
    return sum(map(_advance, text)) * font_size


def axis_layout(labels: list[str], slot: float, font_size: float = 11, *, may_thin: bool = True) -> AxisLayout:
    """Labels `slot` apart (the width of a column) placed so that no two overlap: level when the
    widest fits its slot; else turned by ANGLE when turned labels, whose distance across is
    slot × sin(ANGLE), clear the font's height; else level again, every step-th. Categories that all
    matter (`may_thin` False, a histogram's buckets) are turned in preference to thinning."""
    widest = max((text_width(t, font_size) for t in labels), default=0.0)
    level = max(1, math.ceil((widest + LABEL_GAP) / slot)) if slot > 0 else len(labels) or 1
    level_depth = font_size + 6
    if level == 1:
        return AxisLayout(1, 0, level_depth, widest / 2)
    across = slot * math.sin(math.radians(ANGLE))
    turned = max(1, math.ceil((font_size + LABEL_GAP) / across)) if across > 0 else len(labels) or 1
    turned_depth = widest * math.sin(math.radians(ANGLE)) + font_size + 4
    if turned == 1 or (not may_thin and turned < level):
        return AxisLayout(turned, ANGLE, turned_depth, widest * math.cos(math.radians(ANGLE)))
    return AxisLayout(level, 0, level_depth, widest / 2)


def shorten(text: str, width: float, font_size: float = 11, ellipsis: str = "…") -> str:
    """`text` cut to fit `width` (by text_width), ending in `ellipsis` when cut: the longest start
    of it that fits with the ellipsis (the ellipsis alone when nothing does)."""
    if text_width(text, font_size) <= width:
        return text
    room, kept = width - text_width(ellipsis, font_size), 0
    while kept < len(text) and text_width(text[:kept + 1], font_size) <= room:
        kept += 1
    return text[:kept].rstrip() + ellipsis
