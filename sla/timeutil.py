"""Helpers shared by the SLA modules for handling instants, and local days as UTC instants."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta, tzinfo

__all__ = ["UTC", "convertible_days", "day_start", "to_utc"]


def to_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` as a UTC datetime; raise ``ValueError`` when it is naive, ``TypeError`` when not a datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def day_start(day: date, timezone: tzinfo) -> datetime:
    """The UTC instant at which the local ``day`` begins in ``timezone``. Raises OverflowError when
    that instant falls outside the years 1–9999 that a datetime holds (0001-01-01 begins in the year
    0 in UTC wherever clocks are ahead of UTC)."""
    return datetime.combine(day, time(), timezone).astimezone(UTC)


@functools.cache
def convertible_days(timezone: tzinfo) -> tuple[date, date]:
    """The first and the last local day of ``timezone`` whose start and end (the next day's start)
    are instants a datetime holds in UTC: every day between them converts (day_start), those
    outside raise OverflowError. 0001-01-02 (0001-01-01 where clocks are not ahead of UTC) to
    9999-12-30 (the end of 9999-12-31 would be in the year 10000)."""
    first, last = date.min, date.max - timedelta(days=1)
    for _ in range(3):  # a zone's offset is under a day (its old local mean time included)
        try:
            day_start(first, timezone)
            break
        except OverflowError:
            first += timedelta(days=1)
    for _ in range(3):
        try:
            day_start(last + timedelta(days=1), timezone)
            break
        except OverflowError:
            last -= timedelta(days=1)
    return first, last
