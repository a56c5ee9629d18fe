"""Calendars as JSON-friendly descriptions (what departments store) and back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from .calendar_checks import CalendarError
from .calendars import (
    DEFAULT_TIMEZONE,
    DEFAULT_WEEKLY_HOURS,
    KIND_ALWAYS_OPEN,
    KIND_BUSINESS,
    AlwaysOpen,
    BusinessCalendar,
    Calendar,
)

__all__ = ["calendar_from_dict", "calendar_to_dict"]


def _parse_time(text: Any, where: str) -> time:
    if not isinstance(text, str):
        raise CalendarError(f"{where}: expected a time such as '08:00', got {text!r}")
    if text.strip() in ("24:00", "24:00:00"):
        return time(0)
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError as exc:
        raise CalendarError(f"{where}: {text!r} is not a time such as '08:00'") from exc
    if parsed.tzinfo is not None:
        raise CalendarError(f"{where}: {text!r} must be a local time without offset")
    return parsed


def _parse_weekly_hours(data: Any) -> dict[int, list[tuple[time, time]]]:
    if not isinstance(data, Mapping):
        raise CalendarError("weekly_hours must be an object such as {'0': [['08:00', '17:30']]}")
    weekly: dict[int, list[tuple[time, time]]] = {}
    for key, windows in data.items():
        text_key = str(key).strip()
        if isinstance(key, bool) or not text_key.isdigit() or not 0 <= int(text_key) <= 6:
            raise CalendarError(f"weekly_hours key must be a weekday 0 (Monday) to 6 (Sunday), got {key!r}")
        weekday = int(text_key)
        if weekday in weekly:
            raise CalendarError(f"weekly_hours lists weekday {weekday} twice")
        if isinstance(windows, (str, bytes)) or not isinstance(windows, Sequence):
            raise CalendarError(f"weekly_hours[{key!r}] must be a list of [start, end] pairs")
        pairs = []
        for window in windows:
            if isinstance(window, (str, bytes)) or not isinstance(window, Sequence) or len(window) != 2:
                raise CalendarError(f"weekly_hours[{key!r}]: a window must be a [start, end] pair, got {window!r}")
            where = f"weekly_hours[{key!r}]"
            pairs.append((_parse_time(window[0], where), _parse_time(window[1], where)))
        weekly[weekday] = pairs
    return weekly


def _parse_dates(data: Any) -> list[date]:
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise CalendarError("holidays must be a list of ISO dates such as '2027-02-10'")
    days = []
    for item in data:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.append(item)
            continue
        try:
            days.append(date.fromisoformat(item))
        except (TypeError, ValueError) as exc:
            raise CalendarError(f"holiday {item!r} is not an ISO date such as '2027-02-10'") from exc
    return days


_BUSINESS_KEYS = frozenset({"kind", "timezone", "weekly_hours", "country", "years", "holidays"})


def calendar_from_dict(data: Mapping[str, Any] | None) -> Calendar:
    """Build a calendar from its JSON-friendly description (the inverse of :func:`calendar_to_dict`).

    ``None`` or ``{"kind": "24/7"}`` gives :class:`AlwaysOpen`. ``{"kind": "business", ...}``
    gives a :class:`BusinessCalendar` with optional keys ``timezone`` (default
    ``Asia/Ho_Chi_Minh``), ``weekly_hours`` (``{"0": [["08:00", "12:00"], ["13:00", "17:30"]]}``,
    default Monday-Friday 08:00-17:30 and Saturday 08:00-12:00; "24:00" closes at midnight),
    ``country`` (public holidays; absent or null for none), ``years`` (limit public holidays to
    these years) and ``holidays`` (extra closed ISO dates). Raises ``ValueError`` on anything
    else, including unknown keys.
    """
    if data is None:
        return AlwaysOpen()
    if not isinstance(data, Mapping):
        raise CalendarError(f"calendar must be an object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind == KIND_ALWAYS_OPEN:
        if set(data) != {"kind"}:
            raise CalendarError(f"a 24/7 calendar takes no other keys, got {sorted(set(data) - {'kind'})}")
        return AlwaysOpen()
    if kind != KIND_BUSINESS:
        raise CalendarError(f"calendar kind must be {KIND_ALWAYS_OPEN!r} or {KIND_BUSINESS!r}, got {kind!r}")
    unknown = set(data) - _BUSINESS_KEYS
    if unknown:
        raise CalendarError(f"unknown calendar keys: {sorted(map(str, unknown))}")
    weekly_hours = data.get("weekly_hours")
    years = data.get("years")
    if years is not None and (isinstance(years, (str, bytes)) or not isinstance(years, Sequence)):
        raise CalendarError("years must be a list of integers")
    return BusinessCalendar(
        data.get("timezone", DEFAULT_TIMEZONE),
        DEFAULT_WEEKLY_HOURS if weekly_hours is None else _parse_weekly_hours(weekly_hours),
        _parse_dates(data.get("holidays", [])),
        country=data.get("country"),
        country_years=years,
    )


def calendar_to_dict(cal: Calendar) -> dict[str, Any]:
    """Describe a calendar as JSON-friendly data that :func:`calendar_from_dict` turns back into an equal calendar."""
    if isinstance(cal, AlwaysOpen):
        return {"kind": KIND_ALWAYS_OPEN}
    if isinstance(cal, BusinessCalendar):
        data: dict[str, Any] = {
            "kind": KIND_BUSINESS,
            "timezone": cal.timezone,
            "weekly_hours": cal.weekly_hours_text,
            "country": cal.country,
            "holidays": sorted(day.isoformat() for day in cal.extra_holidays),
        }
        if cal.country_years is not None:
            data["years"] = sorted(cal.country_years)
        return data
    raise CalendarError(f"cannot describe calendar of type {type(cal).__name__}")
