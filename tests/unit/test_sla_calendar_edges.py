"""Business calendars at their edges: walking back across a lunch break, the never-opening guard in
both directions, the exact words of every refusal, the exact description calendar_to_dict writes
and holidays given as dates. Every calendar is built inside its test (see docs/testing.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla import AlwaysOpen, BusinessCalendar, CalendarError, calendar_from_dict, calendar_to_dict

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)
M = timedelta(minutes=1)
LUNCH = {day: [(time(8), time(12)), (time(13), time(17))] for day in range(5)}


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SAIGON)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Tuesday 2026-03-03; Monday 2026-03-02 closes at 17:00.
BACKWARDS_WITH_LUNCH = [
    ("from the close, the afternoon first", vn(2026, 3, 3, 17), 30 * M, vn(2026, 3, 3, 16, 30)),
    ("from lunch, the morning", vn(2026, 3, 3, 12, 30), 30 * M, vn(2026, 3, 3, 11, 30)),
    ("across the lunch break", vn(2026, 3, 3, 13, 30), H, vn(2026, 3, 3, 11, 30)),
    ("the whole morning back to the evening before", vn(2026, 3, 3, 12, 30), 4 * H, vn(2026, 3, 2, 17)),
    ("the morning and half an hour", vn(2026, 3, 3, 12, 30), 4 * H + 30 * M, vn(2026, 3, 2, 16, 30)),
    ("a day used up exactly reaches the close before it", vn(2026, 3, 3, 9), 9 * H, vn(2026, 2, 27, 17)),
    ("a day and a bit", vn(2026, 3, 3, 9), 9 * H + M, vn(2026, 2, 27, 16, 59)),
    ("from the afternoon's opening", vn(2026, 3, 3, 13), 30 * M, vn(2026, 3, 3, 11, 30)),
    ("over the weekend", vn(2026, 3, 9, 8, 30), H, vn(2026, 3, 6, 16, 30)),
]


@pytest.mark.parametrize(("end", "amount", "expected"), [case[1:] for case in BACKWARDS_WITH_LUNCH],
                         ids=[case[0] for case in BACKWARDS_WITH_LUNCH])
def test_walking_back_with_a_lunch_break(end: datetime, amount: timedelta, expected: datetime) -> None:
    calendar = BusinessCalendar("Asia/Ho_Chi_Minh", LUNCH)
    start = calendar.add_business_time(end, -amount)
    assert start == expected
    assert start.tzinfo is UTC
    assert calendar.business_time_between(start, end) == amount


def test_walking_back_from_lunch_tuesday_reaches_monday_evening() -> None:
    # Tuesday opens only after lunch here: 30 minutes back from 12:30 is Monday 16:30, and the
    # whole Tuesday morning counts nothing.
    calendar = BusinessCalendar("Asia/Ho_Chi_Minh", {0: [(time(8), time(12)), (time(13), time(17))],
                                                     1: [(time(13), time(17))]})
    assert calendar.add_business_time(vn(2026, 3, 3, 12, 30), -30 * M) == vn(2026, 3, 2, 16, 30)
    assert calendar.add_business_time(vn(2026, 3, 3, 13, 30), -H) == vn(2026, 3, 2, 16, 30)


def test_walking_forward_with_a_lunch_break() -> None:
    calendar = BusinessCalendar("Asia/Ho_Chi_Minh", LUNCH)
    assert calendar.add_business_time(vn(2026, 3, 3, 11, 30), H) == vn(2026, 3, 3, 13, 30)
    assert calendar.add_business_time(vn(2026, 3, 3, 12), 4 * H) == vn(2026, 3, 3, 17)
    assert calendar.add_business_time(vn(2026, 3, 3, 12), 4 * H + M) == vn(2026, 3, 4, 8, 1)
    assert calendar.add_business_time(vn(2026, 3, 3, 16), 2 * H) == vn(2026, 3, 4, 9)


def test_is_open_around_the_lunch_break_and_midnight() -> None:
    calendar = BusinessCalendar("Asia/Ho_Chi_Minh", {**LUNCH, 4: [(time(20), time(0))]})
    assert calendar.is_open(vn(2026, 3, 3, 11, 59))
    assert not calendar.is_open(vn(2026, 3, 3, 12))
    assert calendar.is_open(vn(2026, 3, 3, 13))
    assert calendar.is_open(vn(2026, 3, 6, 23, 59))  # Friday's window runs to midnight
    assert not calendar.is_open(vn(2026, 3, 7, 0))
    assert calendar.is_open(utc(2026, 3, 6, 16, 30))  # 23:30 in Saigon, another date in UTC


def _never_open() -> BusinessCalendar:
    mondays = [date(2006, 1, 2) + timedelta(weeks=week) for week in range(52 * 41)]
    return BusinessCalendar("UTC", {0: [(time(8), time(17))]}, holidays=mondays)


NEVER_OPEN = r"^calendar has no open window within 3660 days of 2026-01-01T00:00:00\+00:00$"


def test_the_never_opening_guard_going_forwards() -> None:
    with pytest.raises(CalendarError, match=NEVER_OPEN):
        _never_open().add_business_time(utc(2026, 1, 1), H)


def test_the_never_opening_guard_going_backwards() -> None:
    with pytest.raises(CalendarError, match=NEVER_OPEN):
        _never_open().add_business_time(utc(2026, 1, 1), -H)


def test_a_long_closed_run_that_ends_is_walked_through_both_ways() -> None:
    # Mondays closed for 10 years minus a week or so: the next opening is found, not refused.
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(520)]
    calendar = BusinessCalendar("UTC", {0: [(time(8), time(17))]}, holidays=mondays)
    after = mondays[-1] + timedelta(weeks=1)
    assert calendar.add_business_time(utc(2026, 1, 1), H) == datetime.combine(after, time(9), UTC)
    assert calendar.add_business_time(datetime.combine(after, time(9), UTC), -2 * H) == utc(2025, 12, 29, 16)


def test_adding_and_subtracting_zero() -> None:
    calendar = BusinessCalendar("Asia/Ho_Chi_Minh", LUNCH)
    assert calendar.add_business_time(vn(2026, 3, 3, 12, 30), timedelta(0)) == vn(2026, 3, 3, 13)
    assert calendar.add_business_time(vn(2026, 3, 3, 17), timedelta(0)) == vn(2026, 3, 4, 8)
    assert calendar.add_business_time(vn(2026, 3, 3, 12, 30), -timedelta(microseconds=1)) == vn(
        2026, 3, 3, 11, 59, 59, 999999)


REFUSALS = [
    ({"timezone": "", "weekly_hours": LUNCH},
     r"^timezone must be an IANA name such as 'Asia/Ho_Chi_Minh', got ''$"),
    ({"timezone": "Mars/Olympus", "weekly_hours": LUNCH}, r"^unknown timezone 'Mars/Olympus'$"),
    ({"timezone": "UTC", "weekly_hours": [(time(8), time(12))]},
     r"^weekly_hours must map weekday numbers \(0=Monday\) to lists of \(start, end\) times$"),
    ({"timezone": "UTC", "weekly_hours": {7: []}},
     r"^weekday must be an integer 0 \(Monday\) to 6 \(Sunday\), got 7$"),
    ({"timezone": "UTC", "weekly_hours": {True: []}},
     r"^weekday must be an integer 0 \(Monday\) to 6 \(Sunday\), got True$"),
    ({"timezone": "UTC", "weekly_hours": {-1: []}},
     r"^weekday must be an integer 0 \(Monday\) to 6 \(Sunday\), got -1$"),
    ({"timezone": "UTC", "weekly_hours": {0: "08:00-12:00"}},
     r"^weekday 0: expected a list of \(start, end\) windows, got '08:00-12:00'$"),
    ({"timezone": "UTC", "weekly_hours": {1: [(time(8),)]}},
     r"^weekday 1: a window must be a \(start, end\) pair, got \(datetime.time\(8, 0\),\)$"),
    ({"timezone": "UTC", "weekly_hours": {1: ["ab"]}},
     r"^weekday 1: a window must be a \(start, end\) pair, got 'ab'$"),
    ({"timezone": "UTC", "weekly_hours": {0: [("08:00", time(12))]}},
     r"^window start must be a datetime.time, got '08:00'$"),
    ({"timezone": "UTC", "weekly_hours": {0: [(time(8), "12:00")]}},
     r"^window end must be a datetime.time, got '12:00'$"),
    ({"timezone": "UTC", "weekly_hours": {0: [(time(8, tzinfo=UTC), time(12))]}},
     r"^window start must be a local wall time without tzinfo, got "),
    ({"timezone": "UTC", "weekly_hours": {2: [(time(12), time(8))]}},
     r"^weekday 2: window 12:00:00-08:00:00 must start before it ends$"),
    ({"timezone": "UTC", "weekly_hours": {3: [(time(8), time(12)), (time(11), time(13))]}},
     r"^weekday 3: windows overlap around 11:00:00$"),
    ({"timezone": "UTC", "weekly_hours": {0: []}},
     r"^weekly_hours has no open window on any day; use AlwaysOpen for 24/7$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "holidays": "2027-02-10"}, r"^holidays must be an iterable of dates$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "holidays": [datetime(2027, 2, 10)]},
     r"^holidays must contain dates, got datetime.datetime\(2027, 2, 10, 0, 0\)$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country": ""}, r"^country must be a non-empty ISO code, got ''$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country": "XX"}, r"^no public holiday data for country 'XX'$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country_years": [2026]}, r"^country_years needs a country$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country": "VN", "country_years": [0]},
     r"^years must be integers, got 0$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country": "VN", "country_years": [10000]},
     r"^years must be integers, got 10000$"),
    ({"timezone": "UTC", "weekly_hours": LUNCH, "country": "VN", "country_years": [True]},
     r"^years must be integers, got True$"),
]


@pytest.mark.parametrize(("kwargs", "message"), REFUSALS)
def test_each_refusal_says_what_is_wrong(kwargs: dict, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar(**kwargs)


def test_years_at_the_ends_of_the_calendar_are_accepted() -> None:
    calendar = BusinessCalendar("UTC", LUNCH, country="VN", country_years=[1, 9999])
    assert calendar.country_years == frozenset({1, 9999})


DICT_REFUSALS = [
    (["business"], r"^calendar must be an object, got list$"),
    ({"kind": "24/7", "timezone": "UTC"}, r"^a 24/7 calendar takes no other keys, got \['timezone'\]$"),
    ({"kind": "weekdays"}, r"^calendar kind must be '24/7' or 'business', got 'weekdays'$"),
    ({"kind": "business", "tz": "UTC"}, r"^unknown calendar keys: \['tz'\]$"),
    ({"kind": "business", "weekly_hours": [["08:00", "17:30"]]},
     r"^weekly_hours must be an object such as \{'0': \[\['08:00', '17:30'\]\]\}$"),
    ({"kind": "business", "weekly_hours": {"7": []}},
     r"^weekly_hours key must be a weekday 0 \(Monday\) to 6 \(Sunday\), got '7'$"),
    ({"kind": "business", "weekly_hours": {True: []}},
     r"^weekly_hours key must be a weekday 0 \(Monday\) to 6 \(Sunday\), got True$"),
    ({"kind": "business", "weekly_hours": {"1": [], 1: []}}, r"^weekly_hours lists weekday 1 twice$"),
    ({"kind": "business", "weekly_hours": {"0": "08:00-17:30"}},
     r"^weekly_hours\['0'\] must be a list of \[start, end\] pairs$"),
    ({"kind": "business", "weekly_hours": {"0": [["08:00"]]}},
     r"^weekly_hours\['0'\]: a window must be a \[start, end\] pair, got \['08:00'\]$"),
    ({"kind": "business", "weekly_hours": {"0": ["ab"]}},
     r"^weekly_hours\['0'\]: a window must be a \[start, end\] pair, got 'ab'$"),
    ({"kind": "business", "weekly_hours": {"0": [[8, "17:00"]]}},
     r"^weekly_hours\['0'\]: expected a time such as '08:00', got 8$"),
    ({"kind": "business", "weekly_hours": {"0": [["08:00", "5pm"]]}},
     r"^weekly_hours\['0'\]: '5pm' is not a time such as '08:00'$"),
    ({"kind": "business", "weekly_hours": {"0": [["8am", "17:00"]]}},
     r"^weekly_hours\['0'\]: '8am' is not a time such as '08:00'$"),
    ({"kind": "business", "weekly_hours": {"0": [["08:00+07:00", "17:00"]]}},
     r"^weekly_hours\['0'\]: '08:00\+07:00' must be a local time without offset$"),
    ({"kind": "business", "holidays": "2027-02-10"}, r"^holidays must be a list of ISO dates such as '2027-02-10'$"),
    ({"kind": "business", "holidays": ["2027-13-01"]},
     r"^holiday '2027-13-01' is not an ISO date such as '2027-02-10'$"),
    ({"kind": "business", "holidays": [20270210]}, r"^holiday 20270210 is not an ISO date such as '2027-02-10'$"),
    ({"kind": "business", "country": "VN", "years": "2027"}, r"^years must be a list of integers$"),
]


@pytest.mark.parametrize(("data", "message"), DICT_REFUSALS)
def test_each_refusal_of_a_description_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        calendar_from_dict(data)  # type: ignore[arg-type]


def test_calendar_to_dict_writes_exactly_this() -> None:
    calendar = BusinessCalendar(
        "Europe/Berlin",
        {0: [(time(13), time(17, 30)), (time(8), time(12))], 2: [(time(8, 0, 30), time(9, 15, 0, 500))],
         6: [(time(18), time(0))], 5: []},
        [date(2026, 12, 31), date(2026, 12, 24)],
        country="DE",
        country_years=[2027, 2026],
    )
    assert calendar_to_dict(calendar) == {
        "kind": "business",
        "timezone": "Europe/Berlin",
        "weekly_hours": {"0": [["08:00", "12:00"], ["13:00", "17:30"]], "2": [["08:00:30", "09:15:00.000500"]],
                         "6": [["18:00", "24:00"]]},
        "country": "DE",
        "holidays": ["2026-12-24", "2026-12-31"],
        "years": [2026, 2027],
    }
    assert list(calendar_to_dict(calendar)) == ["kind", "timezone", "weekly_hours", "country", "holidays", "years"]
    assert calendar_to_dict(AlwaysOpen()) == {"kind": "24/7"}
    plain = calendar_to_dict(BusinessCalendar("UTC", {0: [(time(8), time(17))]}))
    assert plain == {"kind": "business", "timezone": "UTC", "weekly_hours": {"0": [["08:00", "17:00"]]},
                     "country": None, "holidays": []}


def test_calendar_to_dict_names_what_it_cannot_describe() -> None:
    with pytest.raises(CalendarError, match=r"^cannot describe calendar of type object$"):
        calendar_to_dict(object())  # type: ignore[arg-type]


def test_holidays_given_as_dates() -> None:
    calendar = calendar_from_dict({"kind": "business", "timezone": "UTC",
                                   "holidays": [date(2026, 3, 3), "2026-03-04"]})
    assert calendar.extra_holidays == frozenset({date(2026, 3, 3), date(2026, 3, 4)})
    assert calendar.open_windows(date(2026, 3, 3)) == ()
    assert calendar.add_business_time(utc(2026, 3, 2, 17), H) == utc(2026, 3, 5, 8, 30)


def test_descriptions_with_defaults_and_24h_spellings() -> None:
    calendar = calendar_from_dict({"kind": "business", "weekly_hours": {" 6 ": [[" 18:00 ", "24:00:00"]]}})
    assert calendar.timezone == "Asia/Ho_Chi_Minh"
    assert calendar.weekly_hours == {6: ((time(18), time(0)),)}
    assert calendar.country is None and calendar.country_years is None
    assert calendar_from_dict({"kind": "business"}).weekly_hours[5] == ((time(8), time(12)),)
    assert calendar_from_dict(None) == AlwaysOpen() == calendar_from_dict({"kind": "24/7"})


def test_standard_calendar_defaults() -> None:
    calendar = BusinessCalendar.standard()
    assert calendar.timezone == "Asia/Ho_Chi_Minh"
    assert calendar.country == "VN"
    assert calendar.country_years is None
    assert calendar.extra_holidays == frozenset()
    assert calendar.weekly_hours == {**{d: ((time(8), time(17, 30)),) for d in range(5)}, 5: ((time(8), time(12)),)}
    assert BusinessCalendar.standard(years=[2026]).country_years == frozenset({2026})


def test_equality_hash_and_repr() -> None:
    def make() -> BusinessCalendar:
        return BusinessCalendar("UTC", LUNCH, [date(2026, 3, 3)], country="VN", country_years=[2026])

    assert make() == make() and hash(make()) == hash(make())
    assert make() != BusinessCalendar("UTC", LUNCH, [date(2026, 3, 3)], country="VN")
    assert make() != BusinessCalendar("UTC", LUNCH, country="VN", country_years=[2026])
    assert make() != BusinessCalendar("Asia/Ho_Chi_Minh", LUNCH, [date(2026, 3, 3)], country="VN",
                                      country_years=[2026])
    assert make().__eq__("UTC") is NotImplemented
    assert AlwaysOpen() == AlwaysOpen() and hash(AlwaysOpen()) == hash(AlwaysOpen()) and AlwaysOpen() != make()
    assert repr(AlwaysOpen()) == "AlwaysOpen()"
    assert repr(make()) == (
        "BusinessCalendar(timezone='UTC', country='VN', weekly_hours={'0': [['08:00', '12:00'], ['13:00', '17:00']], "
        "'1': [['08:00', '12:00'], ['13:00', '17:00']], '2': [['08:00', '12:00'], ['13:00', '17:00']], "
        "'3': [['08:00', '12:00'], ['13:00', '17:00']], '4': [['08:00', '12:00'], ['13:00', '17:00']]}, "
        "holidays=1 extra)")


def test_always_open_refuses_what_is_not_an_instant_or_an_amount() -> None:
    calendar = AlwaysOpen()
    assert calendar.is_open(utc(2026, 3, 8, 3))
    with pytest.raises(ValueError, match=r"^at must be timezone-aware, got naive "):
        calendar.is_open(datetime(2026, 3, 8, 3))
    with pytest.raises(TypeError, match=r"^amount must be a timedelta, not int$"):
        calendar.add_business_time(utc(2026, 3, 8), 60)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^start must be a datetime, not date$"):
        calendar.add_business_time(date(2026, 3, 8), H)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^end must be timezone-aware"):
        calendar.business_time_between(utc(2026, 3, 8), datetime(2026, 3, 9))
    with pytest.raises(TypeError, match=r"^amount must be a timedelta, not float$"):
        BusinessCalendar("UTC", LUNCH).add_business_time(utc(2026, 3, 8), 1.5)  # type: ignore[arg-type]


def test_the_window_cache_is_emptied_when_full_and_answers_stay_right() -> None:
    calendar = BusinessCalendar("UTC", LUNCH)
    first = date(2000, 1, 3)
    for n in range(5000):
        calendar.open_windows(first + timedelta(days=n))
    assert calendar.open_windows(date(2026, 3, 3)) == ((utc(2026, 3, 3, 8), utc(2026, 3, 3, 12)),
                                                      (utc(2026, 3, 3, 13), utc(2026, 3, 3, 17)))
    assert len(calendar._windows_cache) <= 4096


def _one_weekday_open(weekday_of: date, closed: list[date]) -> BusinessCalendar:
    return BusinessCalendar("UTC", {weekday_of.weekday(): [(time(8), time(17))]}, holidays=closed)


def test_a_closed_run_of_exactly_the_limit_is_walked_backwards() -> None:
    # From Tuesday 2026-03-03 back: the days visited from Wednesday down to the next opening are
    # exactly 3660 closed ones (the limit), so the opening is found.
    first_visited = date(2026, 3, 4)
    opening = first_visited - timedelta(days=3660)
    closed = [opening + timedelta(weeks=week) for week in range(1, 523)]
    calendar = _one_weekday_open(opening, closed)
    assert calendar.add_business_time(utc(2026, 3, 3, 12), -H) == datetime.combine(opening, time(16), UTC)
    one_more = _one_weekday_open(opening, [opening, *closed])
    with pytest.raises(CalendarError, match=r"^calendar has no open window within 3660 days of "):
        one_more.add_business_time(utc(2026, 3, 3, 12), -H)


def test_a_closed_run_of_exactly_the_limit_is_walked_forwards() -> None:
    # From Tuesday 2026-03-03 on: the days visited from Monday (a day early) up to the next opening
    # are exactly 3660 closed ones.
    first_visited = date(2026, 3, 2)
    opening = first_visited + timedelta(days=3660)
    closed = [opening - timedelta(weeks=week) for week in range(1, 523)]
    calendar = _one_weekday_open(opening, closed)
    assert calendar.add_business_time(utc(2026, 3, 3, 12), H) == datetime.combine(opening, time(9), UTC)
    one_more = _one_weekday_open(opening, [opening, *closed])
    with pytest.raises(CalendarError, match=r"^calendar has no open window within 3660 days of "):
        one_more.add_business_time(utc(2026, 3, 3, 12), H)


def test_walking_back_over_ten_years_of_open_days_is_not_refused() -> None:
    calendar = BusinessCalendar("UTC", {day: [(time(8), time(9))] for day in range(7)})
    start = calendar.add_business_time(utc(2026, 3, 3, 12), -3700 * H)
    assert start == utc(2016, 1, 15, 9)  # 3,700 whole windows: the close before the first of them
    assert calendar.business_time_between(start, utc(2026, 3, 3, 12)) == 3700 * H
    assert calendar.add_business_time(utc(2016, 1, 16, 8), 3700 * H) == utc(2026, 3, 3, 9)


def test_is_open_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match=r"^at must be timezone-aware, got naive "):
        BusinessCalendar("UTC", LUNCH).is_open(datetime(2026, 3, 3, 9))


@pytest.mark.parametrize("make", [AlwaysOpen, lambda: BusinessCalendar("UTC", LUNCH)], ids=["24/7", "business"])
def test_a_naive_instant_is_named_in_the_refusal(make) -> None:
    calendar, aware, naive = make(), utc(2026, 3, 3, 9), datetime(2026, 3, 3, 9)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware, got naive "):
        calendar.business_time_between(naive, aware)
    with pytest.raises(ValueError, match=r"^end must be timezone-aware, got naive "):
        calendar.business_time_between(aware, naive)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware, got naive "):
        calendar.add_business_time(naive, H)
