"""sla.timeutil: local days as UTC instants, and the days for which that conversion holds."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sla.timeutil import convertible_days, day_start

ZONES = ["Asia/Ho_Chi_Minh", "UTC", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"]


@pytest.mark.parametrize(("zone", "first"), [
    ("Asia/Ho_Chi_Minh", dt.date(1, 1, 2)),  # ahead of UTC: 0001-01-01 begins in the year 0 there
    ("Asia/Kolkata", dt.date(1, 1, 2)),
    ("UTC", dt.date(1, 1, 1)),
    ("America/New_York", dt.date(1, 1, 1)),
])
def test_the_first_and_last_day_the_conversion_holds(zone, first):
    assert convertible_days(ZoneInfo(zone)) == (first, dt.date(9999, 12, 30))


@pytest.mark.parametrize("zone", ZONES)
def test_every_day_in_range_converts_and_its_neighbours_outside_do_not(zone):
    tz = ZoneInfo(zone)
    first, last = convertible_days(tz)
    for day in (first, last, last + dt.timedelta(days=1)):  # last's end is the next day's start
        start = day_start(day, tz)
        assert start.tzinfo is dt.UTC and start.astimezone(tz).date() == day
    if first > dt.date.min:
        with pytest.raises(OverflowError):
            day_start(first - dt.timedelta(days=1), tz)
    with pytest.raises(OverflowError):  # the end of 9999-12-31 would be in the year 10000
        last + dt.timedelta(days=2)


def test_day_start_is_the_local_midnight_in_utc():
    start = day_start(dt.date(2026, 11, 23), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert start == dt.datetime(2026, 11, 22, 17, tzinfo=dt.UTC)
