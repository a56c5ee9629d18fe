"""Business calendars: which instants count towards an SLA clock.

A calendar answers two questions about *business time* (time that counts):

* ``add_business_time(start, amount)`` -- the instant at which ``amount`` of business
  time has elapsed after ``start``;
* ``business_time_between(start, end)`` -- how much business time lies between two instants.

:class:`AlwaysOpen` counts every instant (the portal default, "24/7").
:class:`BusinessCalendar` counts only the open windows of a weekly schedule, in a local time
zone, skipping public and company holidays.

All inputs must be timezone-aware datetimes (naive ones raise ``ValueError``); every datetime
returned is in UTC.

How local window edges become instants
--------------------------------------
A window edge such as "08:00 on 2026-03-29 in Europe/Berlin" is the *first instant at which
the local clock shows that time or later*. That reading is monotonic, so windows never
overlap or invert, and it settles the two DST corner cases:

* a wall time skipped by a spring-forward change (02:30 when clocks jump from 02:00 to
  03:00) resolves to the moment of the jump (03:00 summer time), so a window 01:00-04:00 on
  that day lasts 2 hours and a window 02:00-02:30 is empty;
* a wall time repeated by a fall-back change resolves to its first occurrence (PEP 495
  ``fold=0``), so a window 01:00-04:00 on that day lasts 4 hours.

A window 08:00-17:30 on a DST-change day is unaffected: it lasts 9 h 30 min, as on any day.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from .timeutil import UTC, to_utc

__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY_HOURS",
    "AlwaysOpen",
    "BusinessCalendar",
    "Calendar",
    "CalendarError",
    "calendar_from_dict",
    "calendar_to_dict",
]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_COUNTRY = "VN"
DEFAULT_WEEKLY_HOURS: Mapping[int, tuple[tuple[time, time], ...]] = {
    **{weekday: ((time(8, 0), time(17, 30)),) for weekday in range(5)},
    5: ((time(8, 0), time(12, 0)),),
}

_DAY = timedelta(days=1)
_FULL_DAY = timedelta(hours=24)
# A calendar whose open days are all holidays for this long is treated as broken rather
# than searched forever.
_MAX_CLOSED_DAYS = 3660
_WINDOW_CACHE_SIZE = 4096

KIND_ALWAYS_OPEN = "24/7"
KIND_BUSINESS = "business"


class CalendarError(ValueError):
    """A calendar description or schedule that cannot be used."""


@runtime_checkable
class Calendar(Protocol):
    """What the SLA clock needs from a calendar."""

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the UTC instant at which ``amount`` of business time has elapsed after ``start``.

        A zero amount returns ``start`` when the calendar is open at ``start`` and otherwise
        the next opening. A negative amount walks backwards and returns the earliest instant
        from which exactly ``-amount`` of business time remains until ``start``.
        """
        ...

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time in ``[start, end)``; negative when ``end`` is before ``start``."""
        ...


def _require_timedelta(value: timedelta, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a timedelta, not {type(value).__name__}")
    return value


class AlwaysOpen:
    """A 24/7 calendar: every instant is business time."""

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return ``start + amount`` in UTC (elapsed time, so DST changes do not shift it)."""
        return to_utc(start, "start") + _require_timedelta(amount, "amount")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return ``end - start`` as elapsed time; negative when ``end`` is before ``start``."""
        return to_utc(end, "end") - to_utc(start, "start")

    def is_open(self, at: datetime) -> bool:
        """Return True: a 24/7 calendar is always open."""
        to_utc(at, "at")
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AlwaysOpen)

    def __hash__(self) -> int:
        return hash(AlwaysOpen)

    def __repr__(self) -> str:
        return "AlwaysOpen()"


@functools.lru_cache(maxsize=512)
def _country_holiday_dates(country: str, year: int) -> frozenset[date]:
    """Public holidays (including observed days) of ``country`` in ``year``, computed once."""
    return frozenset(holidays_lib.country_holidays(country, years=year).keys())


def _check_country(country: str) -> str:
    if not isinstance(country, str) or not country:
        raise CalendarError(f"country must be a non-empty ISO code, got {country!r}")
    try:
        holidays_lib.country_holidays(country)
    except NotImplementedError as exc:
        raise CalendarError(f"no public holiday data for country {country!r}") from exc
    return country


def _zone(key: str) -> ZoneInfo:
    if not isinstance(key, str) or not key:
        raise CalendarError(f"timezone must be an IANA name such as 'Asia/Ho_Chi_Minh', got {key!r}")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown timezone {key!r}") from exc


def _offset(value: time, name: str) -> timedelta:
    if not isinstance(value, time):
        raise CalendarError(f"{name} must be a datetime.time, got {value!r}")
    if value.tzinfo is not None:
        raise CalendarError(f"{name} must be a local wall time without tzinfo, got {value!r}")
    return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond)


def _normalise_weekly_hours(
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
            start = _offset(window[0], "window start")
            end = _offset(window[1], "window end") or _FULL_DAY
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


def _resolve_wall_time(wall: datetime, tz: ZoneInfo) -> datetime:
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


def _time_text(offset: timedelta) -> str:
    if offset == _FULL_DAY:
        return "24:00"
    text = (datetime.min + offset).time()
    return text.isoformat(timespec="minutes" if not (text.second or text.microsecond) else "auto")


class BusinessCalendar:
    """Business hours in a local time zone, with public and company holidays closed.

    ``weekly_hours`` maps weekday numbers (0=Monday ... 6=Sunday) to the day's open windows as
    ``(start, end)`` local wall times; several windows a day are allowed (a lunch break is the
    gap between two). An end of ``time(0, 0)`` means midnight at the end of the day. Windows
    must start before they end and must not overlap (touching windows are merged); a day that
    is missing or has no windows is closed. A schedule with no window at all is refused.

    ``holidays`` are local dates that are closed all day. ``country`` adds that country's
    public holidays from the ``holidays`` package, computed lazily per year and cached, so any
    year works; ``country_years`` restricts them to the given years.
    """

    def __init__(
        self,
        timezone: str,
        weekly_hours: Mapping[int, Sequence[tuple[time, time]]],
        holidays: Iterable[date] = (),
        *,
        country: str | None = None,
        country_years: Iterable[int] | None = None,
    ) -> None:
        self._tz = _zone(timezone)
        self._schedule = _normalise_weekly_hours(weekly_hours)
        if isinstance(holidays, (str, bytes)):
            raise CalendarError("holidays must be an iterable of dates")
        extra = set()
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise CalendarError(f"holidays must contain dates, got {day!r}")
            extra.add(day)
        self._holidays = frozenset(extra)
        self._country = _check_country(country) if country is not None else None
        if country_years is not None and self._country is None:
            raise CalendarError("country_years needs a country")
        self._country_years = self._check_years(country_years) if country_years is not None else None
        self._windows_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    @staticmethod
    def _check_years(years: Iterable[int]) -> frozenset[int]:
        checked = set()
        for year in years:
            if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
                raise CalendarError(f"years must be integers, got {year!r}")
            checked.add(year)
        return frozenset(checked)

    @classmethod
    def standard(
        cls,
        timezone: str = DEFAULT_TIMEZONE,
        country: str | None = DEFAULT_COUNTRY,
        years: Iterable[int] | None = None,
        extra_holidays: Iterable[date] = (),
        weekly_hours: Mapping[int, Sequence[tuple[time, time]]] | None = None,
    ) -> BusinessCalendar:
        """Return the company's usual calendar.

        Monday-Friday 08:00-17:30 and Saturday 08:00-12:00 unless ``weekly_hours`` is given;
        ``country``'s public holidays (Vietnam's include Tết) for every year, or only for
        ``years`` when given; plus ``extra_holidays`` set by an admin. ``country=None``
        means no public holidays.
        """
        return cls(
            timezone,
            DEFAULT_WEEKLY_HOURS if weekly_hours is None else weekly_hours,
            extra_holidays,
            country=country,
            country_years=years,
        )

    @property
    def timezone(self) -> str:
        """The IANA name of the calendar's local time zone."""
        return self._tz.key

    @property
    def country(self) -> str | None:
        """The country whose public holidays are closed, if any."""
        return self._country

    @property
    def country_years(self) -> frozenset[int] | None:
        """The years public holidays are limited to, or None for every year."""
        return self._country_years

    @property
    def extra_holidays(self) -> frozenset[date]:
        """Dates closed on top of public holidays."""
        return self._holidays

    @property
    def weekly_hours(self) -> dict[int, tuple[tuple[time, time], ...]]:
        """The weekly schedule as merged ``(start, end)`` local times; an end of 00:00 means 24:00."""
        return {
            weekday: tuple(
                ((datetime.min + start).time(), (datetime.min + end).time() if end < _FULL_DAY else time(0))
                for start, end in windows
            )
            for weekday, windows in self._schedule.items()
            if windows
        }

    def is_holiday(self, day: date) -> bool:
        """Return True when the local date ``day`` is closed all day as a holiday."""
        if day in self._holidays:
            return True
        if self._country is None:
            return False
        if self._country_years is not None and day.year not in self._country_years:
            return False
        return day in _country_holiday_dates(self._country, day.year)

    def is_open(self, at: datetime) -> bool:
        """Return True when the instant ``at`` lies inside an open window (the close itself is not)."""
        instant = to_utc(at, "at")
        day = self._local_date(instant)
        return any(start <= instant < end for d in (day - _DAY, day, day + _DAY) for start, end in self._windows(d))

    def open_windows(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Return the open windows of local date ``day`` as UTC ``(start, end)`` pairs, in order."""
        return self._windows(day)

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the UTC instant at which ``amount`` of business time has elapsed after ``start``.

        A start outside business hours counts from the next opening. A zero amount returns
        ``start`` when the calendar is open at ``start`` and otherwise the next opening. When
        the amount runs out exactly at a closing time, the closing time is returned. A negative
        amount walks backwards and returns the earliest instant from which exactly ``-amount``
        of business time remains until ``start``.
        """
        cursor = to_utc(start, "start")
        amount = _require_timedelta(amount, "amount")
        if amount < timedelta(0):
            return self._subtract(cursor, -amount)
        remaining = amount
        # Start a day early: the day an instant belongs to can differ from its local date
        # around a DST change at midnight.
        day = self._local_date(cursor) - _DAY
        closed_days = 0
        while True:
            windows = self._windows(day)
            closed_days = closed_days + 1 if not windows else 0
            self._check_closed_run(closed_days, cursor)
            for window_start, window_end in windows:
                if window_end <= cursor:
                    continue
                begin = max(window_start, cursor)
                available = window_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                cursor = window_end
            day += _DAY

    def _subtract(self, end: datetime, amount: timedelta) -> datetime:
        cursor = end
        remaining = amount
        day = self._local_date(cursor) + _DAY
        closed_days = 0
        while True:
            windows = self._windows(day)
            closed_days = closed_days + 1 if not windows else 0
            self._check_closed_run(closed_days, cursor)
            for window_start, window_end in reversed(windows):
                if window_start >= cursor:
                    continue
                finish = min(window_end, cursor)
                available = finish - window_start
                # Strictly less: when the amount uses up this window exactly, the closed time
                # before it also leaves the same amount remaining, so keep walking back.
                if remaining < available:
                    return finish - remaining
                remaining -= available
                cursor = window_start
            day -= _DAY

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time in ``[start, end)``; negative when ``end`` is before ``start``."""
        begin = to_utc(start, "start")
        finish = to_utc(end, "end")
        if finish < begin:
            return -self.business_time_between(finish, begin)
        total = timedelta(0)
        day = self._local_date(begin) - _DAY
        last_day = self._local_date(finish) + _DAY
        while day <= last_day:
            for window_start, window_end in self._windows(day):
                overlap = min(window_end, finish) - max(window_start, begin)
                if overlap > timedelta(0):
                    total += overlap
            day += _DAY
        return total

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._tz).date()

    def _check_closed_run(self, closed_days: int, cursor: datetime) -> None:
        if closed_days > _MAX_CLOSED_DAYS:
            raise CalendarError(f"calendar has no open window within {_MAX_CLOSED_DAYS} days of {cursor.isoformat()}")

    def _windows(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        cached = self._windows_cache.get(day)
        if cached is None:
            if len(self._windows_cache) >= _WINDOW_CACHE_SIZE:
                self._windows_cache.clear()
            cached = self._windows_cache[day] = self._compute_windows(day)
        return cached

    def _compute_windows(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        if self.is_holiday(day):
            return ()
        midnight = datetime.combine(day, time(0))
        windows = []
        for start, end in self._schedule[day.weekday()]:
            window_start = _resolve_wall_time(midnight + start, self._tz)
            window_end = _resolve_wall_time(midnight + end, self._tz)
            if window_start < window_end:
                windows.append((window_start, window_end))
        return tuple(windows)

    def _identity(self) -> tuple[Any, ...]:
        return (self._tz.key, self._schedule, self._holidays, self._country, self._country_years)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((self._tz.key, tuple(self._schedule.items()), self._holidays, self._country, self._country_years))

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(timezone={self._tz.key!r}, country={self._country!r}, "
            f"weekly_hours={calendar_to_dict(self)['weekly_hours']!r}, holidays={len(self._holidays)} extra)"
        )


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
            "weekly_hours": {
                str(weekday): [[_time_text(start), _time_text(end)] for start, end in windows]
                for weekday, windows in cal._schedule.items()
                if windows
            },
            "country": cal.country,
            "holidays": sorted(day.isoformat() for day in cal.extra_holidays),
        }
        if cal.country_years is not None:
            data["years"] = sorted(cal.country_years)
        return data
    raise CalendarError(f"cannot describe calendar of type {type(cal).__name__}")
