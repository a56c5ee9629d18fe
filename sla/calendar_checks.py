"""The parts of a business calendar checked and computed on their own: the errors, holiday data,
time zones, weekly schedules as offsets from local midnight and local wall times as instants."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from .timeutil import UTC

FULL_DAY = timedelta(hours=24)


class CalendarError(ValueError):
    """A calendar description or schedule that cannot be used."""


@functools.lru_cache(maxsize=512)
def country_holiday_dates(country: str, year: int) -> frozenset[date]:
    """Public holidays (including observed days) of ``country`` in ``year``, computed once."""
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


def check_country(country: str) -> str:
    if not isinstance(country, str) or not country:
        raise CalendarError(f"country must be a non-empty ISO code, got {country!r}")
    try:
        holidays_lib.country_holidays(country)
    except NotImplementedError as exc:
        raise CalendarError(f"no public holiday data for country {country!r}") from exc
    return country


def zone(key: str) -> ZoneInfo:
    if not isinstance(key, str) or not key:
        raise CalendarError(f"timezone must be an IANA name such as 'Asia/Ho_Chi_Minh', got {key!r}")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown timezone {key!r}") from exc


def offset(value: time, name: str) -> timedelta:
    if not isinstance(value, time):
        raise CalendarError(f"{name} must be a datetime.time, got {value!r}")
    if value.tzinfo is not None:
        raise CalendarError(f"{name} must be a local wall time without tzinfo, got {value!r}")
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond)


def normalise_weekly_hours(
    weekly_hours: Mapping[int, Sequence[tuple[time, time]]],
) -> dict[int, tuple[tuple[timedelta, timedelta], ...]]:
    """Validate a weekly schedule and return it as sorted, merged offsets from local midnight.

    An end of ``time(0, 0)`` means midnight at the end of the day (24:00).
    """
    if not isinstance(weekly_hours, Mapping):
        raise CalendarError("weekly_hours must map weekday numbers (0=Monday) to lists of (start, end) times")
    schedule: dict[int, tuple[tuple[timedelta, timedelta], ...]] = {weekday: () for weekday in range(7)}
    for weekday, windows in weekly_hours.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise CalendarError(f"weekday must be an integer 0 (Monday) to 6 (Sunday), got {weekday!r}")
        if isinstance(windows, (str, bytes)) or not isinstance(windows, Sequence):
            raise CalendarError(f"weekday {weekday}: expected a list of (start, end) windows, got {windows!r}")
        spans = []
        for window in windows:
            if isinstance(window, (str, bytes)) or not isinstance(window, Sequence) or len(window) != 2:
                raise CalendarError(f"weekday {weekday}: a window must be a (start, end) pair, got {window!r}")
            start = offset(window[0], "window start")
            end = offset(window[1], "window end") or FULL_DAY
            if start >= end:
                raise CalendarError(f"weekday {weekday}: window {window[0]}-{window[1]} must start before it ends")
            spans.append((start, end))
        spans.sort()
        merged: list[tuple[timedelta, timedelta]] = []
        for start, end in spans:
            if merged and start < merged[-1][1]:
                raise CalendarError(f"weekday {weekday}: windows overlap around {start}")
            if merged and start == merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        schedule[weekday] = tuple(merged)
    if not any(schedule.values()):
        raise CalendarError("weekly_hours has no open window on any day; use AlwaysOpen for 24/7")
    return schedule


def resolve_wall_time(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the first UTC instant at which the clock in ``tz`` shows ``wall`` or later."""
    first_try = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first_try.astimezone(tz).replace(tzinfo=None) == wall:
        return first_try
    # ``wall`` falls in a spring-forward gap: the answer is the moment of the jump, which lies
    # between the two readings of ``wall`` (offset after the change, offset before it).
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first_try
    resolution = timedelta(microseconds=1)
    while high - low > resolution:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def time_text(offset: timedelta) -> str:
    if offset == FULL_DAY:
        return "24:00"
    text = (datetime.min + offset).time()
    return text.isoformat(timespec="minutes" if not (text.second or text.microsecond) else "auto")
