"""sla.business_time.business_minutes at its edges: instants before, at and after the windows of the
days it lays out, days with windows of different lengths, a period with no window at all, missing
instants, and calendars that list their windows or can only be asked pair by pair. Calendars are
built inside the tests (mutmut imports this module once, before it switches a mutant on)."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sla
from sla.business_time import business_by_department, business_minutes


def short_monday_calendar(holidays: tuple[str, ...] = ()) -> sla.BusinessCalendar:
    """UTC; Monday 08:00–12:00, Tuesday to Friday 08:00–17:00; weekends closed."""
    hours = {"0": [["08:00", "12:00"]]} | {str(d): [["08:00", "17:00"]] for d in range(1, 5)}
    return sla.calendar_from_dict({"kind": "business", "timezone": "UTC", "weekly_hours": hours,
                                   "holidays": list(holidays)})


class PairByPair:
    """A calendar that cannot list its windows: it only answers business_time_between."""

    def __init__(self, inner: sla.BusinessCalendar):
        self._inner = inner

    def add_business_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        return self._inner.add_business_time(start, amount)

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        return self._inner.business_time_between(start, end)


class Listing(PairByPair):
    """A calendar that lists its windows (without naming a time zone) and counts pair questions."""

    def __init__(self, inner: sla.BusinessCalendar):
        super().__init__(inner)
        self.pairs_asked = 0

    def open_windows(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        return self._inner.open_windows(day)

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        self.pairs_asked += 1
        return super().business_time_between(start, end)


def instants(*texts: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime([pd.NaT if t is None else pd.Timestamp(t + "Z") for t in texts], utc=True))


# 2026-03-09 is a Monday.
SPANS = [
    # start, end, business minutes
    ("2026-03-10T07:00", "2026-03-10T09:00", 60.0),    # before Tuesday's opening, after Monday's short day
    ("2026-03-09T07:00", "2026-03-09T09:00", 60.0),    # before the first window laid out (Sunday closed)
    ("2026-03-10T08:00", "2026-03-10T08:30", 30.0),    # from the opening itself
    ("2026-03-13T16:00", "2026-03-13T18:00", 60.0),    # past Friday's close, the last window laid out
    ("2026-03-09T11:00", "2026-03-10T09:00", 120.0),   # Monday's last hour and Tuesday's first
    ("2026-03-10T09:00", "2026-03-09T11:00", -120.0),  # the same, backwards
    ("2026-03-10T12:00", "2026-03-10T12:00", 0.0),
]


@pytest.mark.parametrize(("start", "end", "expected"), SPANS)
def test_business_minutes_are_exact_around_the_windows(start, end, expected):
    result = business_minutes(short_monday_calendar(), instants(start), instants(end))
    assert result.dtype == np.float64
    assert result.tolist() == [expected]


def test_business_minutes_of_many_rows_at_once_match_each_row_alone():
    calendar = short_monday_calendar()
    result = business_minutes(calendar, instants(*[s for s, _, _ in SPANS]), instants(*[e for _, e, _ in SPANS]))
    assert result.tolist() == [expected for _, _, expected in SPANS]


def test_a_period_without_any_window_counts_zero_and_keeps_missing_rows_missing():
    # Two closed days either side of Sunday: holidays on Friday, Monday and Tuesday around the weekend.
    calendar = short_monday_calendar(holidays=("2026-03-13", "2026-03-16", "2026-03-17"))
    result = business_minutes(calendar, instants("2026-03-15T10:00", None, "2026-03-15T09:00"),
                              instants("2026-03-15T12:00", "2026-03-15T12:00", "2026-03-15T10:30"))
    assert result.tolist()[0::2] == [0.0, 0.0]
    assert result.isna().tolist() == [False, True, False]


def test_missing_instants_give_nan_and_keep_the_index():
    calendar = short_monday_calendar()
    start = instants("2026-03-10T07:00", None, "2026-03-10T08:00")
    end = instants("2026-03-10T09:00", "2026-03-10T09:00", None)
    start.index = end.index = [10, 20, 30]
    result = business_minutes(calendar, start, end)
    assert result.index.tolist() == [10, 20, 30]
    assert result.tolist()[0] == 60.0
    assert result.isna().tolist() == [False, True, True]
    nothing = business_minutes(calendar, instants(None, None), instants("2026-03-10T09:00", None))
    assert nothing.dtype == np.float64
    assert nothing.isna().tolist() == [True, True]


def test_a_calendar_that_cannot_list_its_windows_is_asked_pair_by_pair():
    calendar = PairByPair(short_monday_calendar())
    start = instants(*[s for s, _, _ in SPANS], None)
    end = instants(*[e for _, e, _ in SPANS], "2026-03-10T09:00")
    result = business_minutes(calendar, start, end)
    assert result.tolist()[:-1] == [expected for _, _, expected in SPANS]
    assert np.isnan(result.tolist()[-1])


def test_a_calendar_that_lists_its_windows_is_never_asked_pair_by_pair():
    # Listing names no time zone: its days are read in UTC, which is also where its windows are.
    calendar = Listing(short_monday_calendar())
    start = instants(*[s for s, _, _ in SPANS] * 50)
    end = instants(*[e for _, e, _ in SPANS] * 50)
    result = business_minutes(calendar, start, end)
    assert result.tolist() == [expected for _, _, expected in SPANS] * 50
    assert calendar.pairs_asked == 0


def test_business_by_department_uses_each_department_calendar_and_wall_minutes_elsewhere():
    frame = pd.DataFrame({"department": ["finance", "delivery", "apps", "finance"]})
    start = instants("2026-03-10T07:00", "2026-03-10T07:00", "2026-03-10T07:00", None)
    end = instants("2026-03-10T09:00", "2026-03-10T09:00", "2026-03-10T09:00", "2026-03-10T09:00")
    calendars = {"finance": short_monday_calendar(), "delivery": sla.AlwaysOpen(), "apps": None}
    result = business_by_department(frame, start, end, calendars)
    assert result.tolist()[:3] == [60.0, 120.0, 120.0]
    assert result.isna().tolist() == [False, False, False, True]


@pytest.mark.parametrize("zone", ["America/Havana", "America/Santiago", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_windows_next_to_midnight_in_far_zones_and_across_dst_count_as_pair_by_pair(zone):
    # Havana moves its clocks at midnight on 2026-03-08, Santiago on 2026-04-05; Kiritimati is UTC+14,
    # Pago Pago UTC-11: local dates a day away from UTC dates.
    calendar = sla.calendar_from_dict({"kind": "business", "timezone": zone,
                                       "weekly_hours": {str(d): [["00:00", "02:00"], ["22:00", "24:00"]]
                                                        for d in range(7)}})
    start = pd.Series(pd.date_range("2026-03-06T00:00Z", "2026-04-08T00:00Z", freq="157min"))
    end = start + pd.to_timedelta(np.arange(len(start)) % 7 * 45 - 60, unit="min")
    want = [calendar.business_time_between(a, b).total_seconds() / 60 for a, b in zip(start, end, strict=True)]
    assert business_minutes(calendar, start, end).tolist() == want
    assert business_minutes(PairByPair(calendar), start, end).tolist() == want
    one_at_a_time = [business_minutes(calendar, start[i:i + 1], end[i:i + 1]).iloc[0] for i in range(0, len(start), 5)]
    assert one_at_a_time == want[::5]
