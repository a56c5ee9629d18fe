"""Minutes between aligned Series of instants, by the wall clock and by a business calendar, computed
on whole arrays (no Python loop over the rows); pure pandas and numpy.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .calendars import AlwaysOpen, Calendar

_MINUTE_NS = 60 * 10**9


def wall_minutes(start: pd.Series, end: pd.Series) -> pd.Series:
    """Wall-clock minutes from each start to its end (negative when end is before start; NaN when either is missing)."""
    return (end - start).dt.total_seconds() / 60


def _utc_ns(values: pd.Series) -> np.ndarray:
    """Instants as int64 nanoseconds since the epoch (NaT gives an arbitrary value; mask it)."""
    return utc_wall(values).astype("datetime64[ns]").view("int64")


def utc_wall(values: pd.Series) -> np.ndarray:
    """Instants as naive UTC datetime64 in their own unit, NaT kept."""
    return values.dt.tz_convert(None).to_numpy()  # no zone: pandas converts to UTC and drops it


def business_minutes(calendar: Calendar | None, start: pd.Series, end: pd.Series) -> pd.Series:
    """Business minutes in [start, end) of ``calendar`` for aligned series of instants, computed
    without a Python loop over rows: the calendar's open windows over the period are laid end to
    end, each instant is placed on that cumulative business clock with a binary search, and the
    result is the difference of the two clock readings (negative when end is before start).
    NaN where either instant is missing. ``None`` or a 24/7 calendar gives wall-clock minutes."""
    if calendar is None or isinstance(calendar, AlwaysOpen):
        return wall_minutes(start, end)
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
    # The windows of every local day that can touch the period, whatever the calendar's zone: a local
    # date is within a day of the UTC date, and a window reaches into the next day only around a DST
    # change at midnight. Windows wholly outside the period move both clock readings alike.
    lowest, highest = min(begin.min(), finish.min()), max(begin.max(), finish.max())
    day = lowest.tz_convert(None).date() - dt.timedelta(days=2)
    last = highest.tz_convert(None).date() + dt.timedelta(days=2)
    starts, ends = [], []
    while day <= last:
        for window_start, window_end in open_windows(day):
            starts.append(pd.Timestamp(window_start).as_unit("ns").value)
            ends.append(pd.Timestamp(window_end).as_unit("ns").value)
        day += dt.timedelta(days=1)
    if not starts:
        result[valid] = 0.0
        return result
    starts_ns, ends_ns = np.asarray(starts), np.asarray(ends)  # int64: .value is an int
    lengths = ends_ns - starts_ns
    before = np.concatenate(([0], np.cumsum(lengths)[:-1]))

    def clock(values: pd.Series) -> np.ndarray:
        at = _utc_ns(values)
        idx = np.searchsorted(starts_ns, at, side="right") - 1
        inside = np.clip(at - starts_ns[np.maximum(idx, 0)], 0, lengths[np.maximum(idx, 0)])
        return np.where(idx < 0, 0, before[np.maximum(idx, 0)] + inside)

    result[valid] = (clock(finish) - clock(begin)) / _MINUTE_NS
    return result


def business_by_department(frame: pd.DataFrame, start: pd.Series, end: pd.Series,
                            calendars: Mapping[str, Calendar] | None, wall: pd.Series | None = None) -> pd.Series:
    """Business minutes per row by its department's calendar; ``wall`` (the wall-clock minutes,
    when the caller has them) stands for every department that counts every minute."""
    result = (wall_minutes(start, end) if wall is None else wall).astype(float)
    for code, calendar in (calendars or {}).items():
        if calendar is None or isinstance(calendar, AlwaysOpen):
            continue
        rows = frame["department"] == code
        if rows.any():
            result[rows] = business_minutes(calendar, start[rows], end[rows])
    return result
