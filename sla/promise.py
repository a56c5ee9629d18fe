"""A first-response promise in a department's own terms.

Two questions a seller asks about "we will answer within 4 hours": *which* hours (the department's
working week as one line, "Mon–Fri 08:00–17:30, Sat 08:00–12:00"), and, when the promised time is
on a later day than the one they wrote on, *why* (they wrote after closing, on a closed day or a
holiday, or too close to closing for the whole target to fit).

Pure: the words (day names, sentences) belong to the caller, who passes the day names in the
reader's language; here are only the grouping and the calendar reasoning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .calendars import BusinessCalendar, Calendar
from .timeutil import to_utc

__all__ = [
    "AFTER_CLOSE",
    "CLOSED_DAY",
    "HOLIDAY",
    "NEAR_CLOSE",
    "HoursGroup",
    "LaterDay",
    "clock_text",
    "hours_groups",
    "later_day",
    "working_hours_text",
]

# why a promise falls on a later working day
AFTER_CLOSE = "after_close"  # written on a working day after its last closing time
CLOSED_DAY = "closed_day"  # written on a weekday the department does not work
HOLIDAY = "holiday"  # written on a public or company holiday
NEAR_CLOSE = "near_close"  # written on a working day with less of it left than the target

_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
# how far ahead the next opening is searched (a calendar refuses schedules without any open day)
_MAX_DAYS_AHEAD = 3660

Window = tuple[time, time]


@dataclass(frozen=True)
class HoursGroup:
    """Consecutive weekdays (0 = Monday) that share the same open windows."""

    first_day: int
    last_day: int
    windows: tuple[Window, ...]


def hours_groups(weekly_hours: Mapping[int, Sequence[Window]]) -> list[HoursGroup]:
    """The working week as runs of consecutive weekdays with equal windows, Monday first; closed
    days (missing or without windows) end a run and are left out."""
    groups: list[HoursGroup] = []
    for weekday in range(7):
        windows = tuple(weekly_hours.get(weekday) or ())
        if not windows:
            continue
        last = groups[-1] if groups else None
        if last is not None and last.last_day == weekday - 1 and last.windows == windows:
            groups[-1] = HoursGroup(last.first_day, weekday, windows)
        else:
            groups.append(HoursGroup(weekday, weekday, windows))
    return groups


def clock_text(value: time, *, end: bool = False) -> str:
    """A wall time as "08:00"; as the end of a window, midnight is "24:00" (the end of the day)."""
    if end and value == _MIDNIGHT:
        return "24:00"
    return f"{value.hour:02d}:{value.minute:02d}"


def _windows_text(windows: tuple[Window, ...]) -> str:
    return ", ".join(f"{clock_text(start)}–{clock_text(finish, end=True)}" for start, finish in windows)


def working_hours_text(weekly_hours: Mapping[int, Sequence[Window]], day_names: Sequence[str]) -> str:
    """The working week as one line, e.g. "Mon–Fri 08:00–17:30, Sat 08:00–12:00", with `day_names`
    (seven, Monday first) in the reader's language. Groups are joined by ", " when each day has one
    window, and by "; " when some day has several (whose windows are joined by ", ")."""
    if len(day_names) != 7:
        raise ValueError(f"day_names must name the seven days, Monday first; got {len(day_names)}")
    groups = hours_groups(weekly_hours)
    parts = []
    for group in groups:
        days = day_names[group.first_day]
        if group.last_day != group.first_day:
            days = f"{days}–{day_names[group.last_day]}"
        parts.append(f"{days} {_windows_text(group.windows)}")
    separator = "; " if any(len(group.windows) > 1 for group in groups) else ", "
    return separator.join(parts)


@dataclass(frozen=True)
class LaterDay:
    """Why a promise falls on a later day than the seller wrote on, in the department's zone.

    ``written_at`` and ``resumes_at`` are local times: when the seller wrote, and the first opening
    on a later day (when the team answers from, or when the rest of the target counts from).
    ``closes_at`` is the local closing time of the day written on, when that day had working hours.
    """

    reason: str
    written_at: datetime
    closes_at: time | None
    resumes_at: datetime


def later_day(written: datetime, due: datetime, calendar: Calendar) -> LaterDay | None:
    """Why the promise `due` falls on a later local day than `written`, the moment the seller wrote;
    None when it falls on the same day, and for a 24/7 calendar (it has no working days to explain).

    A due time of exactly midnight counts as the end of the day before (a window that closes at
    24:00). The reason is, in this order: the weekday is not a working day (CLOSED_DAY), the day is
    a holiday (HOLIDAY), the day's last window had closed (AFTER_CLOSE), else too little of the day
    was left for the target (NEAR_CLOSE, also when written before opening with a target longer than
    the day)."""
    if not isinstance(calendar, BusinessCalendar):
        return None
    zone = ZoneInfo(calendar.timezone)
    written_utc = to_utc(written, "written")
    local_written = written_utc.astimezone(zone)
    local_due = to_utc(due, "due").astimezone(zone)
    due_day = (local_due - timedelta(microseconds=1)).date() if local_due.time() == _MIDNIGHT else local_due.date()
    day = local_written.date()
    if due_day <= day:
        return None
    windows = calendar.open_windows(day)
    closes_at = _local_time(windows[-1][1], zone, day) if windows else None
    if not calendar.weekly_hours.get(day.weekday()):
        reason = CLOSED_DAY
    elif calendar.is_holiday(day):
        reason = HOLIDAY
    elif not windows or written_utc >= windows[-1][1]:
        reason = AFTER_CLOSE
    else:
        reason = NEAR_CLOSE
    return LaterDay(reason, local_written, closes_at, _next_opening(calendar, day, zone))


def _local_time(instant: datetime, zone: ZoneInfo, day: date) -> time:
    """The wall time of a window edge on local `day`; an edge at the next midnight reads 00:00,
    which clock_text(end=True) shows as 24:00."""
    local = instant.astimezone(zone)
    return _MIDNIGHT if local.date() > day else local.time().replace(second=0, microsecond=0)


def _next_opening(calendar: BusinessCalendar, day: date, zone: ZoneInfo) -> datetime:
    """The start of the first open window on a local day after `day`."""
    for ahead in range(1, _MAX_DAYS_AHEAD + 1):
        windows = calendar.open_windows(day + ahead * _DAY)
        if windows:
            return windows[0][0].astimezone(zone)
    raise ValueError(f"no working day within {_MAX_DAYS_AHEAD} days after {day.isoformat()}")
