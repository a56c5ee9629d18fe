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

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

from .calendar_checks import (
    FULL_DAY,
    CalendarError,
    check_country,
    country_holiday_dates,
    normalise_weekly_hours,
    resolve_wall_time,
    time_text,
    zone,
)
from .timeutil import to_utc

__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY_HOURS",
    "AlwaysOpen",
    "BusinessCalendar",
    "Calendar",
    "CalendarError",
]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_COUNTRY = "VN"
DEFAULT_WEEKLY_HOURS: Mapping[int, tuple[tuple[time, time], ...]] = {
    **{weekday: ((time(8, 0), time(17, 30)),) for weekday in range(5)},
    5: ((time(8, 0), time(12, 0)),),
}

_DAY = timedelta(days=1)
# A calendar whose open days are all holidays for this long is treated as broken rather
# than searched forever.
_MAX_CLOSED_DAYS = 3660
_WINDOW_CACHE_SIZE = 4096

KIND_ALWAYS_OPEN = "24/7"
KIND_BUSINESS = "business"


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
        self._tz = zone(timezone)
        self._schedule = normalise_weekly_hours(weekly_hours)
        if isinstance(holidays, (str, bytes)):
            raise CalendarError("holidays must be an iterable of dates")
        extra = set()
        for day in holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise CalendarError(f"holidays must contain dates, got {day!r}")
            extra.add(day)
        self._holidays = frozenset(extra)
        self._country = check_country(country) if country is not None else None
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
                ((datetime.min + start).time(), (datetime.min + end).time() if end < FULL_DAY else time(0))
                for start, end in windows
            )
            for weekday, windows in self._schedule.items()
            if windows
        }

    @property
    def weekly_hours_text(self) -> dict[str, list[list[str]]]:
        """The open days' windows as ``{"0": [["08:00", "17:30"]]}``, as calendar descriptions write them."""
        return {
            str(weekday): [[time_text(start), time_text(end)] for start, end in windows]
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
        return day in country_holiday_dates(self._country, day.year)

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
            window_start = resolve_wall_time(midnight + start, self._tz)
            window_end = resolve_wall_time(midnight + end, self._tz)
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
            f"weekly_hours={self.weekly_hours_text!r}, holidays={len(self._holidays)} extra)"
        )
