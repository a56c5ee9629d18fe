"""A promise in the department's terms: its working week as one line, and why a promise falls on a
later working day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla import DEFAULT_WEEKLY_HOURS, AlwaysOpen, BusinessCalendar, Policy, first_response_due
from sla.promise import (
    AFTER_CLOSE,
    CLOSED_DAY,
    HOLIDAY,
    NEAR_CLOSE,
    HoursGroup,
    clock_text,
    hours_groups,
    later_day,
    working_hours_text,
)

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VI = ("Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "CN")
FOUR_HOURS = Policy(first_response=timedelta(hours=4))
# 2026-12-04 is a Friday, 2026-12-07 a Monday
FRIDAY = date(2026, 12, 4)
MONDAY = date(2026, 12, 7)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SAIGON)


def standard(**kwargs) -> BusinessCalendar:
    return BusinessCalendar.standard(country=None, **kwargs)


@pytest.mark.parametrize(("weekly", "names", "text"), [
    (DEFAULT_WEEKLY_HOURS, EN, "Mon–Fri 08:00–17:30, Sat 08:00–12:00"),
    (DEFAULT_WEEKLY_HOURS, VI, "Thứ 2–Thứ 6 08:00–17:30, Thứ 7 08:00–12:00"),
    ({0: [(time(9), time(17))]}, EN, "Mon 09:00–17:00"),
    ({0: [(time(9), time(17))], 2: [(time(9), time(17))]}, EN, "Mon 09:00–17:00, Wed 09:00–17:00"),
    ({5: [(time(8), time(12))], 6: [(time(8), time(12))]}, EN, "Sat–Sun 08:00–12:00"),
    ({d: [(time(0), time(0))] for d in range(7)}, EN, "Mon–Sun 00:00–24:00"),
    ({**{d: [(time(8), time(12)), (time(13), time(17, 30))] for d in range(5)}, 5: [(time(8), time(12))]}, EN,
     "Mon–Fri 08:00–12:00, 13:00–17:30; Sat 08:00–12:00"),
    ({0: [(time(8), time(17))], 1: [(time(8), time(16))], 2: [(time(8), time(17))]}, EN,
     "Mon 08:00–17:00, Tue 08:00–16:00, Wed 08:00–17:00"),
    ({0: [], 1: [(time(8), time(17))]}, EN, "Tue 08:00–17:00"),
    ({}, EN, ""),
])
def test_working_hours_text(weekly, names, text):
    assert working_hours_text(weekly, names) == text


def test_working_hours_text_needs_seven_day_names():
    with pytest.raises(ValueError, match="seven"):
        working_hours_text(DEFAULT_WEEKLY_HOURS, EN[:6])


def test_groups_break_at_a_closed_day_even_with_equal_windows():
    weekly = {0: [(time(8), time(17))], 2: [(time(8), time(17))], 3: [(time(8), time(17))]}
    assert hours_groups(weekly) == [HoursGroup(0, 0, ((time(8), time(17)),)),
                                    HoursGroup(2, 3, ((time(8), time(17)),))]


@pytest.mark.parametrize(("value", "end", "text"), [
    (time(8), False, "08:00"), (time(17, 30), True, "17:30"), (time(0), True, "24:00"), (time(0), False, "00:00"),
    (time(23, 59), True, "23:59"),
])
def test_clock_text(value, end, text):
    assert clock_text(value, end=end) == text


@given(st.dictionaries(st.integers(0, 6), st.sampled_from([((time(8), time(12)),), ((time(9), time(17)),)])))
@settings(max_examples=60, deadline=None)
def test_groups_cover_each_open_day_once_in_order(weekly):
    groups = hours_groups(weekly)
    covered = [d for g in groups for d in range(g.first_day, g.last_day + 1)]
    assert covered == sorted(weekly)
    assert all(weekly[d] == g.windows for g in groups for d in range(g.first_day, g.last_day + 1))
    # neighbours are merged: two adjacent groups never share their windows
    pairs = zip(groups, groups[1:], strict=False)
    assert all(not (a.last_day + 1 == b.first_day and a.windows == b.windows) for a, b in pairs)


def _why(written: datetime, calendar, policy: Policy = FOUR_HOURS):
    return later_day(written, first_response_due(written, policy, calendar), calendar)


def test_friday_evening_waits_for_monday_morning():
    why = _why(local(FRIDAY, 18), standard(weekly_hours={d: [(time(8), time(17, 30))] for d in range(5)}))
    assert why.reason == AFTER_CLOSE
    assert why.closes_at == time(17, 30)
    assert why.written_at == local(FRIDAY, 18)
    assert why.resumes_at == local(MONDAY, 8)
    assert why.resumes_at.tzinfo is not None and why.resumes_at.utcoffset() == timedelta(hours=7)


def test_friday_evening_with_saturday_hours_resumes_on_saturday():
    why = _why(local(FRIDAY, 18), standard())
    assert (why.reason, why.resumes_at) == (AFTER_CLOSE, local(FRIDAY + timedelta(days=1), 8))


def test_close_to_closing_is_near_close():
    why = _why(local(FRIDAY, 15), standard())
    assert why.reason == NEAR_CLOSE
    assert why.closes_at == time(17, 30)
    assert why.resumes_at == local(FRIDAY + timedelta(days=1), 8)


def test_sunday_is_a_closed_day():
    why = _why(local(FRIDAY + timedelta(days=2), 10), standard())
    assert (why.reason, why.closes_at, why.resumes_at) == (CLOSED_DAY, None, local(MONDAY, 8))


def test_a_holiday_on_a_working_day_names_the_holiday_and_skips_it():
    calendar = standard(extra_holidays=[MONDAY])
    why = _why(local(MONDAY, 10), calendar)
    assert why.reason == HOLIDAY and why.closes_at is None
    assert why.resumes_at == local(MONDAY + timedelta(days=1), 8)


def test_a_closed_weekday_that_is_also_a_holiday_is_a_closed_day():
    calendar = standard(extra_holidays=[FRIDAY + timedelta(days=2)])
    assert _why(local(FRIDAY + timedelta(days=2), 10), calendar).reason == CLOSED_DAY


@pytest.mark.parametrize("written", [local(MONDAY, 8), local(MONDAY, 13, 30), local(MONDAY, 6)])
def test_a_promise_within_the_day_needs_no_explanation(written):
    assert _why(written, standard()) is None


def test_a_promise_ending_exactly_at_closing_needs_none():
    assert _why(local(MONDAY, 13, 30), standard()) is None  # due 17:30 the same day


def test_before_opening_with_a_target_longer_than_the_day_is_near_close():
    why = _why(local(MONDAY, 6), standard(), Policy(first_response=timedelta(hours=12)))
    assert why.reason == NEAR_CLOSE and why.resumes_at == local(MONDAY + timedelta(days=1), 8)


def test_a_window_closing_at_midnight():
    calendar = standard(weekly_hours={d: [(time(8), time(0))] for d in range(7)})
    assert _why(local(MONDAY, 20), calendar) is None  # due 24:00, the end of the same day
    why = _why(local(MONDAY, 21), calendar)
    assert why.reason == NEAR_CLOSE and why.closes_at == time(0)
    assert clock_text(why.closes_at, end=True) == "24:00"


def test_always_open_explains_nothing():
    written = datetime(2026, 12, 4, 16, tzinfo=UTC)
    assert later_day(written, written + timedelta(hours=10), AlwaysOpen()) is None


def test_other_zones_are_read_in_the_calendars_zone():
    berlin = ZoneInfo("Europe/Berlin")
    calendar = standard(timezone="Europe/Berlin")
    written = datetime(2026, 12, 4, 18, tzinfo=berlin)  # Friday evening in Berlin, Saturday 00:00 in Saigon
    why = _why(written, calendar)
    assert why.reason == AFTER_CLOSE
    assert why.written_at.tzinfo.key == "Europe/Berlin"
    assert why.resumes_at == datetime(2026, 12, 5, 8, tzinfo=berlin)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        later_day(datetime(2026, 12, 4, 18), datetime(2026, 12, 7, 10, tzinfo=UTC), standard())
