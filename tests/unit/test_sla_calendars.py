"""Business calendars: adding and measuring business time across hours, holidays and DST."""

from __future__ import annotations

import json
import time as perf
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla import (
    DEFAULT_WEEKLY_HOURS,
    AlwaysOpen,
    BusinessCalendar,
    Calendar,
    CalendarError,
    calendar_from_dict,
    calendar_to_dict,
)

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
Make = Callable[[], Calendar]

WEEKDAYS_ONLY = {day: [(time(8), time(17, 30))] for day in range(5)}
WITH_LUNCH = {**{day: [(time(8), time(12)), (time(13), time(17, 30))] for day in range(5)}, 5: [(time(8), time(12))]}
EVERY_DAY = {day: [(time(8), time(17, 30))] for day in range(7)}
ROUND_THE_CLOCK = {day: [(time(0), time(0))] for day in range(7)}



# Calendars are built inside each test (the tables name how): one built at import would be made
# by the unmutated code once and for all under mutation testing (docs/testing.md).
def always_open() -> Calendar:
    return AlwaysOpen()


def vn_standard() -> BusinessCalendar:
    return BusinessCalendar.standard()


def vn_weekdays() -> BusinessCalendar:
    return BusinessCalendar.standard(weekly_hours=WEEKDAYS_ONLY)


def vn_lunch() -> BusinessCalendar:
    return BusinessCalendar.standard(weekly_hours=WITH_LUNCH)


def vn_company_day_off() -> BusinessCalendar:
    return BusinessCalendar.standard(extra_holidays=[date(2026, 3, 4)])


def berlin_daily() -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", EVERY_DAY)


def berlin_standard() -> BusinessCalendar:
    return BusinessCalendar.standard(timezone="Europe/Berlin", country=None)


def berlin_24h() -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", ROUND_THE_CLOCK)


def new_york_24h() -> BusinessCalendar:
    return BusinessCalendar("America/New_York", ROUND_THE_CLOCK)


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SAIGON)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Week of Monday 2026-03-02 to Sunday 2026-03-08 has no Vietnamese public holiday.
ADD_CASES = [
    ("24/7 default", always_open, utc(2026, 3, 3, 10), 4 * H, utc(2026, 3, 3, 14)),
    ("24/7 over midnight", always_open, vn(2026, 3, 3, 22), 4 * H, vn(2026, 3, 4, 2)),
    ("before opening", vn_standard, vn(2026, 3, 3, 6, 30), 4 * H, vn(2026, 3, 3, 12)),
    ("during hours", vn_standard, vn(2026, 3, 3, 9, 15), 4 * H, vn(2026, 3, 3, 13, 15)),
    ("runs past closing", vn_standard, vn(2026, 3, 3, 15), 4 * H, vn(2026, 3, 4, 9, 30)),
    ("ends exactly at closing", vn_standard, vn(2026, 3, 3, 13, 30), 4 * H, vn(2026, 3, 3, 17, 30)),
    ("at lunch break", vn_lunch, vn(2026, 3, 3, 12, 20), 4 * H, vn(2026, 3, 3, 17)),
    ("across lunch break", vn_lunch, vn(2026, 3, 3, 10), 4 * H, vn(2026, 3, 3, 15)),
    ("after closing", vn_standard, vn(2026, 3, 3, 19), 4 * H, vn(2026, 3, 4, 12)),
    ("just after midnight", vn_standard, vn(2026, 3, 4, 0, 5), 4 * H, vn(2026, 3, 4, 12)),
    ("friday evening to monday", vn_weekdays, vn(2026, 3, 6, 18), 4 * H, vn(2026, 3, 9, 12)),
    ("friday afternoon into saturday", vn_standard, vn(2026, 3, 6, 17), 4 * H, vn(2026, 3, 7, 11, 30)),
    ("saturday half day", vn_standard, vn(2026, 3, 7, 10), 4 * H, vn(2026, 3, 9, 10)),
    ("saturday after noon", vn_standard, vn(2026, 3, 7, 12, 30), 4 * H, vn(2026, 3, 9, 12)),
    ("sunday", vn_standard, vn(2026, 3, 8, 14), 4 * H, vn(2026, 3, 9, 12)),
    ("lunch break weekend", vn_lunch, vn(2026, 3, 6, 16), 4 * H, vn(2026, 3, 7, 10, 30)),
    ("liberation and labour day", vn_standard, vn(2026, 4, 29, 16), 4 * H, vn(2026, 5, 2, 10, 30)),
    ("hung kings observed monday", vn_standard, vn(2026, 4, 25, 11), 4 * H, vn(2026, 4, 28, 11)),
    ("eve of tet 2027", vn_standard, vn(2027, 2, 3, 16), 4 * H, vn(2027, 2, 11, 10, 30)),
    ("during tet 2027", vn_standard, vn(2027, 2, 6, 9), 4 * H, vn(2027, 2, 11, 12)),
    ("admin extra holiday", vn_company_day_off, vn(2026, 3, 3, 15), 4 * H, vn(2026, 3, 5, 9, 30)),
    ("several days of hours", vn_standard, vn(2026, 3, 2, 8), 30 * H, vn(2026, 3, 5, 9, 30)),
    ("input in another zone", vn_standard, utc(2026, 3, 3, 2), 4 * H, vn(2026, 3, 3, 13)),
    ("berlin into spring forward", berlin_daily, berlin(2026, 3, 28, 17), 4 * H, utc(2026, 3, 29, 9, 30)),
    ("berlin into fall back", berlin_daily, berlin(2026, 10, 24, 17), 4 * H, utc(2026, 10, 25, 10, 30)),
    ("berlin weekend spans change", berlin_standard, berlin(2026, 3, 28, 10), 4 * H, utc(2026, 3, 30, 8)),
    ("24h across the gap", berlin_24h, berlin(2026, 3, 29, 1, 30), H, berlin(2026, 3, 29, 3, 30)),
    # 01:30Z is the second 02:30 of the night, in winter time.
    ("24h across repeated hour", berlin_24h, berlin(2026, 10, 25, 1, 30), 2 * H, utc(2026, 10, 25, 1, 30)),
    ("24/7 across the gap", always_open, berlin(2026, 3, 29, 1, 30), H, berlin(2026, 3, 29, 3, 30)),
]


@pytest.mark.parametrize(
    ("make", "start", "amount", "expected"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_business_time(make: Make, start: datetime, amount: timedelta, expected: datetime) -> None:
    calendar = make()
    due = calendar.add_business_time(start, amount)
    assert due == expected
    assert due.tzinfo is UTC


ZERO_CASES = [
    ("inside hours stays", vn_standard, vn(2026, 3, 3, 9, 15), vn(2026, 3, 3, 9, 15)),
    ("at opening stays", vn_standard, vn(2026, 3, 3, 8), vn(2026, 3, 3, 8)),
    ("before opening moves to opening", vn_standard, vn(2026, 3, 3, 7), vn(2026, 3, 3, 8)),
    ("at closing moves to next opening", vn_standard, vn(2026, 3, 3, 17, 30), vn(2026, 3, 4, 8)),
    ("lunch moves to afternoon", vn_lunch, vn(2026, 3, 3, 12), vn(2026, 3, 3, 13)),
    ("holiday moves past it", vn_standard, vn(2027, 2, 3, 18), vn(2027, 2, 11, 8)),
    ("24/7 stays", always_open, vn(2026, 3, 8, 3), vn(2026, 3, 8, 3)),
]


@pytest.mark.parametrize(
    ("make", "start", "expected"), [case[1:] for case in ZERO_CASES], ids=[case[0] for case in ZERO_CASES]
)
def test_adding_zero_returns_start_or_next_opening(make: Make, start: datetime, expected: datetime) -> None:
    calendar = make()
    assert calendar.add_business_time(start, timedelta(0)) == expected


SUBTRACT_CASES = [
    ("inside one window", vn_standard, vn(2026, 3, 3, 12), H, vn(2026, 3, 3, 11)),
    ("back to previous evening", vn_standard, vn(2026, 3, 3, 8, 30), H, vn(2026, 3, 2, 17)),
    ("exactly the morning reaches back to closing", vn_standard, vn(2026, 3, 3, 9), H, vn(2026, 3, 2, 17, 30)),
    ("monday morning reaches saturday", vn_standard, vn(2026, 3, 9, 8, 30), H, vn(2026, 3, 7, 11, 30)),
    ("after tet reaches before it", vn_standard, vn(2027, 2, 11, 8, 30), H, vn(2027, 2, 3, 17)),
    ("24/7", always_open, utc(2026, 3, 3, 10), H, utc(2026, 3, 3, 9)),
]


@pytest.mark.parametrize(
    ("make", "end", "amount", "expected"),
    [case[1:] for case in SUBTRACT_CASES],
    ids=[case[0] for case in SUBTRACT_CASES],
)
def test_negative_amount_walks_back_to_earliest_instant(
    make: Make, end: datetime, amount: timedelta, expected: datetime
) -> None:
    calendar = make()
    start = calendar.add_business_time(end, -amount)
    assert start == expected
    assert calendar.business_time_between(start, end) == amount


BETWEEN_CASES = [
    ("24/7", always_open, utc(2026, 3, 3, 10), utc(2026, 3, 4, 12), 26 * H),
    ("24/7 over DST is elapsed time", always_open, berlin(2026, 3, 29, 0), berlin(2026, 3, 30, 0), 23 * H),
    ("one day", vn_standard, vn(2026, 3, 3, 0), vn(2026, 3, 4, 0), 9.5 * H),
    ("one week", vn_standard, vn(2026, 3, 2, 8), vn(2026, 3, 9, 8), 51.5 * H),
    ("friday to monday", vn_standard, vn(2026, 3, 6, 17), vn(2026, 3, 9, 9), 5.5 * H),
    ("reversed is negative", vn_standard, vn(2026, 3, 9, 9), vn(2026, 3, 6, 17), -5.5 * H),
    ("inside one sunday", vn_standard, vn(2026, 3, 8, 9), vn(2026, 3, 8, 17), timedelta(0)),
    ("lunch excluded", vn_lunch, vn(2026, 3, 3, 11), vn(2026, 3, 3, 14), 2 * H),
    ("tet 2027", vn_standard, vn(2027, 2, 3, 8), vn(2027, 2, 12, 8), 19 * H),
    ("same instant", vn_standard, vn(2026, 3, 3, 9), vn(2026, 3, 3, 9), timedelta(0)),
]


@pytest.mark.parametrize(
    ("make", "start", "end", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_business_time_between(make: Make, start: datetime, end: datetime, expected: timedelta) -> None:
    calendar = make()
    assert calendar.business_time_between(start, end) == expected


def _hours_on(calendar: BusinessCalendar, day: date) -> timedelta:
    return sum((end - start for start, end in calendar.open_windows(day)), timedelta(0))


NIGHT_SHIFT = {day: [(time(1), time(4))] for day in range(7)}
STARTS_IN_GAP = {day: [(time(2, 30), time(5))] for day in range(7)}
INSIDE_GAP = {day: [(time(2, 10), time(2, 40))] for day in range(7)}

DST_DAY_CASES = [
    ("berlin spring office day", "Europe/Berlin", EVERY_DAY, date(2026, 3, 29), 9.5 * H),
    ("berlin autumn office day", "Europe/Berlin", EVERY_DAY, date(2026, 10, 25), 9.5 * H),
    ("new york spring office day", "America/New_York", EVERY_DAY, date(2026, 3, 8), 9.5 * H),
    ("new york autumn office day", "America/New_York", EVERY_DAY, date(2026, 11, 1), 9.5 * H),
    ("berlin spring whole day", "Europe/Berlin", ROUND_THE_CLOCK, date(2026, 3, 29), 23 * H),
    ("berlin autumn whole day", "Europe/Berlin", ROUND_THE_CLOCK, date(2026, 10, 25), 25 * H),
    ("new york spring whole day", "America/New_York", ROUND_THE_CLOCK, date(2026, 3, 8), 23 * H),
    ("new york autumn whole day", "America/New_York", ROUND_THE_CLOCK, date(2026, 11, 1), 25 * H),
    ("night shift loses skipped hour", "Europe/Berlin", NIGHT_SHIFT, date(2026, 3, 29), 2 * H),
    ("night shift gains repeated hour", "Europe/Berlin", NIGHT_SHIFT, date(2026, 10, 25), 4 * H),
    ("opening in the gap waits for the jump", "Europe/Berlin", STARTS_IN_GAP, date(2026, 3, 29), 2 * H),
    ("opening in repeated hour uses first one", "Europe/Berlin", STARTS_IN_GAP, date(2026, 10, 25), 3.5 * H),
    ("window wholly in the gap is closed", "Europe/Berlin", INSIDE_GAP, date(2026, 3, 29), timedelta(0)),
    ("ordinary day unaffected", "Europe/Berlin", NIGHT_SHIFT, date(2026, 3, 30), 3 * H),
]


@pytest.mark.parametrize(
    ("zone", "weekly_hours", "day", "expected"),
    [case[1:] for case in DST_DAY_CASES],
    ids=[case[0] for case in DST_DAY_CASES],
)
def test_open_hours_on_dst_change_days(zone: str, weekly_hours: dict, day: date, expected: timedelta) -> None:
    calendar = BusinessCalendar(zone, weekly_hours)
    assert _hours_on(calendar, day) == expected
    local = ZoneInfo(zone)
    whole_day = calendar.business_time_between(
        datetime.combine(day, time(0), local), datetime.combine(day + timedelta(days=1), time(0), local)
    )
    assert whole_day == expected


def test_dst_window_edges_are_resolved_to_real_instants() -> None:
    spring = BusinessCalendar("Europe/Berlin", STARTS_IN_GAP).open_windows(date(2026, 3, 29))
    autumn = BusinessCalendar("Europe/Berlin", STARTS_IN_GAP).open_windows(date(2026, 10, 25))
    assert spring == ((utc(2026, 3, 29, 1), utc(2026, 3, 29, 3)),)
    assert autumn == ((utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4)),)


def test_tet_2027_days_are_closed() -> None:
    calendar = vn_standard()
    tet = [day for day, name in holidays.country_holidays("VN", years=2027).items() if "Lunar New Year" in name]
    assert sorted(tet) == [date(2027, 2, d) for d in range(4, 11)]
    for day in tet:
        assert calendar.is_holiday(day)
        assert calendar.open_windows(day) == ()
        assert not calendar.is_open(datetime.combine(day, time(10), SAIGON))
    assert calendar.is_open(vn(2027, 2, 11, 10))


def test_public_holidays_load_lazily_for_far_future_years() -> None:
    calendar = vn_standard()
    far = holidays.country_holidays("VN", years=2061)
    tet = [day for day, name in far.items() if name == "Lunar New Year"]
    assert tet
    assert all(calendar.is_holiday(day) for day in far)
    first_day = vn(tet[0].year, tet[0].month, tet[0].day)
    assert calendar.business_time_between(first_day, vn(2061, 12, 31)) > timedelta(0)
    assert calendar.open_windows(tet[0]) == ()
    assert sum(calendar.is_holiday(date(2061, 1, 1) + timedelta(days=n)) for n in range(365)) == len(far)


def test_years_limit_public_holidays() -> None:
    only_2026 = BusinessCalendar.standard(years=[2026])
    assert only_2026.is_holiday(date(2026, 4, 30))
    assert not only_2026.is_holiday(date(2027, 2, 8))


def test_no_country_means_no_public_holidays() -> None:
    assert not BusinessCalendar.standard(country=None).is_holiday(date(2027, 2, 8))


def test_is_open_treats_closing_as_closed() -> None:
    calendar = vn_standard()
    assert calendar.is_open(vn(2026, 3, 3, 8))
    assert calendar.is_open(vn(2026, 3, 3, 17, 29))
    assert not calendar.is_open(vn(2026, 3, 3, 17, 30))
    assert not calendar.is_open(vn(2026, 3, 8, 10))


def test_touching_windows_are_merged() -> None:
    calendar = BusinessCalendar("UTC", {0: [(time(13), time(17)), (time(8), time(13))]})
    assert calendar.weekly_hours == {0: ((time(8), time(17)),)}


def test_long_amounts_do_not_walk_minute_by_minute() -> None:
    calendar = vn_standard()
    started = perf.perf_counter()
    for offset in range(200):
        calendar.add_business_time(vn(2026, 3, 3, 9) + offset * M, 4 * H)
    calendar.add_business_time(vn(2026, 1, 1, 9), 5000 * H)
    assert calendar.business_time_between(vn(2026, 1, 1), vn(2030, 1, 1)) > 5000 * H
    assert perf.perf_counter() - started < 2


def test_calendar_closed_for_years_is_refused_instead_of_looping() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 11)]
    calendar = BusinessCalendar("UTC", {0: [(time(8), time(17))]}, holidays=mondays)
    with pytest.raises(CalendarError, match="no open window"):
        calendar.add_business_time(utc(2026, 1, 1), H)


@pytest.mark.parametrize("make", [always_open, vn_standard], ids=["24/7", "business"])
def test_naive_datetimes_are_refused(make: Make) -> None:
    calendar = make()
    naive = datetime(2026, 3, 3, 9)
    aware = vn(2026, 3, 3, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_business_time(naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_time_between(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_time_between(aware, naive)


def test_dates_are_not_instants() -> None:
    calendar = vn_standard()
    with pytest.raises(TypeError):
        calendar.add_business_time(date(2026, 3, 3), H)  # type: ignore[arg-type]


BAD_CALENDARS = [
    ("empty schedule", {"timezone": "UTC", "weekly_hours": {}}),
    ("only empty days", {"timezone": "UTC", "weekly_hours": {0: [], 1: []}}),
    ("window ends before start", {"timezone": "UTC", "weekly_hours": {0: [(time(17), time(8))]}}),
    ("window of no length", {"timezone": "UTC", "weekly_hours": {0: [(time(8), time(8))]}}),
    ("overlapping windows", {"timezone": "UTC", "weekly_hours": {0: [(time(8), time(12)), (time(11), time(13))]}}),
    ("weekday seven", {"timezone": "UTC", "weekly_hours": {7: [(time(8), time(12))]}}),
    ("weekday name", {"timezone": "UTC", "weekly_hours": {"mon": [(time(8), time(12))]}}),
    ("string times", {"timezone": "UTC", "weekly_hours": {0: [("08:00", "12:00")]}}),
    ("aware times", {"timezone": "UTC", "weekly_hours": {0: [(time(8, tzinfo=UTC), time(12))]}}),
    ("unknown zone", {"timezone": "Mars/Olympus", "weekly_hours": WEEKDAYS_ONLY}),
    ("holiday as text", {"timezone": "UTC", "weekly_hours": WEEKDAYS_ONLY, "holidays": ["2027-02-10"]}),
    ("unknown country", {"timezone": "UTC", "weekly_hours": WEEKDAYS_ONLY, "country": "XX"}),
    ("years without country", {"timezone": "UTC", "weekly_hours": WEEKDAYS_ONLY, "country_years": [2026]}),
]


@pytest.mark.parametrize("kwargs", [case[1] for case in BAD_CALENDARS], ids=[case[0] for case in BAD_CALENDARS])
def test_bad_business_calendars_are_refused(kwargs: dict) -> None:
    with pytest.raises(CalendarError):
        BusinessCalendar(**kwargs)


ROUND_TRIPS = [
    ("none is 24/7", None, AlwaysOpen()),
    ("24/7", {"kind": "24/7"}, AlwaysOpen()),
    (
        "brief example",
        {
            "kind": "business",
            "timezone": "Asia/Ho_Chi_Minh",
            "weekly_hours": {"0": [["08:00", "17:30"]]},
            "country": "VN",
            "holidays": ["2027-02-10"],
        },
        BusinessCalendar("Asia/Ho_Chi_Minh", {0: [(time(8), time(17, 30))]}, [date(2027, 2, 10)], country="VN"),
    ),
    ("defaults", {"kind": "business"}, BusinessCalendar("Asia/Ho_Chi_Minh", DEFAULT_WEEKLY_HOURS)),
    (
        "lunch, midnight and years",
        {
            "kind": "business",
            "timezone": "Europe/Berlin",
            "weekly_hours": {"4": [["08:00", "12:00"], ["13:00", "17:30"]], "6": [["18:00", "24:00"]]},
            "country": "DE",
            "years": [2026, 2027],
            "holidays": [],
        },
        BusinessCalendar(
            "Europe/Berlin",
            {4: [(time(8), time(12)), (time(13), time(17, 30))], 6: [(time(18), time(0))]},
            country="DE",
            country_years=[2026, 2027],
        ),
    ),
    (
        "seconds and integer keys",
        {"kind": "business", "timezone": "UTC", "weekly_hours": {2: [["08:00:30", "09:15"]]}},
        BusinessCalendar("UTC", {2: [(time(8, 0, 30), time(9, 15))]}),
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [case[1:] for case in ROUND_TRIPS], ids=[case[0] for case in ROUND_TRIPS]
)
def test_calendar_from_dict_round_trip(data: dict | None, expected: Calendar) -> None:
    calendar = calendar_from_dict(data)
    assert calendar == expected
    described = json.loads(json.dumps(calendar_to_dict(calendar)))
    assert calendar_from_dict(described) == calendar
    assert calendar_to_dict(calendar_from_dict(described)) == described


def test_standard_calendar_round_trips() -> None:
    calendar = BusinessCalendar.standard(extra_holidays=[date(2026, 12, 24), date(2026, 12, 31)])
    described = calendar_to_dict(calendar)
    assert described["country"] == "VN"
    assert described["holidays"] == ["2026-12-24", "2026-12-31"]
    assert calendar_from_dict(described) == calendar


BAD_DICTS = [
    ("not a mapping", ["business"]),
    ("missing kind", {}),
    ("unknown kind", {"kind": "weekdays"}),
    ("24/7 with extras", {"kind": "24/7", "timezone": "UTC"}),
    ("unknown key", {"kind": "business", "tz": "UTC"}),
    ("unknown zone", {"kind": "business", "timezone": "Mars/Olympus"}),
    ("weekly hours as list", {"kind": "business", "weekly_hours": [["08:00", "17:30"]]}),
    ("weekday out of range", {"kind": "business", "weekly_hours": {"7": [["08:00", "12:00"]]}}),
    ("weekday as name", {"kind": "business", "weekly_hours": {"mon": [["08:00", "12:00"]]}}),
    ("weekday given twice", {"kind": "business", "weekly_hours": {"1": [], 1: [["08:00", "12:00"]]}}),
    ("window as text", {"kind": "business", "weekly_hours": {"0": "08:00-17:30"}}),
    ("half a window", {"kind": "business", "weekly_hours": {"0": [["08:00"]]}}),
    ("not a time", {"kind": "business", "weekly_hours": {"0": [["8am", "5pm"]]}}),
    ("numeric time", {"kind": "business", "weekly_hours": {"0": [[8, 17]]}}),
    ("backwards window", {"kind": "business", "weekly_hours": {"0": [["17:30", "08:00"]]}}),
    ("overlap", {"kind": "business", "weekly_hours": {"0": [["08:00", "12:00"], ["11:00", "17:30"]]}}),
    ("empty schedule", {"kind": "business", "weekly_hours": {}}),
    ("bad holiday", {"kind": "business", "holidays": ["2027-13-01"]}),
    ("holidays as text", {"kind": "business", "holidays": "2027-02-10"}),
    ("unknown country", {"kind": "business", "country": "XX"}),
    ("years as text", {"kind": "business", "country": "VN", "years": "2027"}),
    ("years without country", {"kind": "business", "years": [2027]}),
]


@pytest.mark.parametrize("data", [case[1] for case in BAD_DICTS], ids=[case[0] for case in BAD_DICTS])
def test_calendar_from_dict_refuses_bad_data(data: object) -> None:
    with pytest.raises(CalendarError):
        calendar_from_dict(data)  # type: ignore[arg-type]


def test_calendar_to_dict_refuses_unknown_calendars() -> None:
    with pytest.raises(ValueError, match="cannot describe"):
        calendar_to_dict(object())  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [always_open, vn_standard, vn_lunch, vn_company_day_off, berlin_standard, berlin_24h, new_york_24h]
).map(lambda make: make())
INSTANTS = st.datetimes(
    min_value=datetime(2025, 6, 1), max_value=datetime(2028, 6, 1), timezones=st.sampled_from([UTC, SAIGON, BERLIN])
)
AMOUNTS = st.integers(min_value=0, max_value=80 * 3600).map(lambda seconds: timedelta(seconds=seconds))
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, start=INSTANTS, amount=AMOUNTS)
def test_adding_never_goes_back_in_time(calendar: Calendar, start: datetime, amount: timedelta) -> None:
    assert calendar.add_business_time(start, amount) >= start


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, first=INSTANTS, second=INSTANTS, amount=AMOUNTS)
def test_adding_is_monotonic_in_start(calendar: Calendar, first: datetime, second: datetime, amount: timedelta) -> None:
    earlier, later = sorted([first, second])
    assert calendar.add_business_time(earlier, amount) <= calendar.add_business_time(later, amount)


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, start=INSTANTS, first=AMOUNTS, second=AMOUNTS)
def test_adding_is_monotonic_in_amount(
    calendar: Calendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    smaller, larger = sorted([first, second])
    assert calendar.add_business_time(start, smaller) <= calendar.add_business_time(start, larger)


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, start=INSTANTS, amount=AMOUNTS)
def test_business_time_between_undoes_adding(calendar: Calendar, start: datetime, amount: timedelta) -> None:
    opening = calendar.add_business_time(start, timedelta(0))
    assert calendar.business_time_between(opening, calendar.add_business_time(opening, amount)) == amount
    assert calendar.business_time_between(start, calendar.add_business_time(start, amount)) == amount


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, end=INSTANTS, amount=AMOUNTS.filter(bool))
def test_subtracting_is_undone_by_measuring(calendar: Calendar, end: datetime, amount: timedelta) -> None:
    start = calendar.add_business_time(end, -amount)
    assert start <= end
    assert calendar.business_time_between(start, end) == amount


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, first=INSTANTS, second=INSTANTS)
def test_business_time_between_is_antisymmetric(calendar: Calendar, first: datetime, second: datetime) -> None:
    forward = calendar.business_time_between(first, second)
    assert forward == -calendar.business_time_between(second, first)
    assert abs(forward) <= abs(second.astimezone(UTC) - first.astimezone(UTC))
