"""The SLA clock: due times, at-risk instants, time left, states and badge text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla import (
    AT_RISK,
    BREACHED,
    MET,
    MISSED,
    ON_TRACK,
    AlwaysOpen,
    BusinessCalendar,
    Calendar,
    Policy,
    at_risk_from,
    first_response_due,
    format_duration,
    manager_escalation_at,
    resolution_due,
    sla_state,
    time_left,
)

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)
M = timedelta(minutes=1)
DEFAULT = Policy()
VN = BusinessCalendar.standard()
VN_COMPANY_DAY_OFF = BusinessCalendar.standard(extra_holidays=[date(2026, 3, 4)])
BERLIN = BusinessCalendar.standard(timezone="Europe/Berlin", country="DE")


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SAIGON)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


DUE_CASES = [
    ("24/7 default is four hours", AlwaysOpen(), utc(2026, 3, 3, 10), utc(2026, 3, 3, 14)),
    ("created before opening", VN, vn(2026, 3, 3, 7), vn(2026, 3, 3, 12)),
    ("created during hours", VN, vn(2026, 3, 3, 14), vn(2026, 3, 4, 8, 30)),
    ("created after closing", VN, vn(2026, 3, 3, 21, 45), vn(2026, 3, 4, 12)),
    ("created friday evening", VN, vn(2026, 3, 6, 20), vn(2026, 3, 7, 12)),
    ("created saturday afternoon", VN, vn(2026, 3, 7, 13), vn(2026, 3, 9, 12)),
    ("created before national day", VN, vn(2026, 8, 29, 11), vn(2026, 9, 3, 11)),
    ("created before tet 2027", VN, vn(2027, 2, 3, 15), vn(2027, 2, 11, 9, 30)),
    ("admin day off", VN_COMPANY_DAY_OFF, vn(2026, 3, 3, 17), vn(2026, 3, 5, 11, 30)),
]


@pytest.mark.parametrize(
    ("calendar", "created_at", "expected"), [case[1:] for case in DUE_CASES], ids=[case[0] for case in DUE_CASES]
)
def test_first_response_due(calendar: Calendar, created_at: datetime, expected: datetime) -> None:
    due = first_response_due(created_at, DEFAULT, calendar)
    assert due == expected
    assert due.tzinfo is UTC


AT_RISK_CASES = [
    ("24/7 one hour before", AlwaysOpen(), utc(2026, 3, 3, 14), utc(2026, 3, 3, 13)),
    ("same business day", VN, vn(2026, 3, 3, 12), vn(2026, 3, 3, 11)),
    ("due soon after opening turns at risk at closing", VN, vn(2026, 3, 4, 8, 30), vn(2026, 3, 3, 17)),
    ("due one hour after opening turns at risk at closing", VN, vn(2026, 3, 4, 9), vn(2026, 3, 3, 17, 30)),
    ("due after tet", VN, vn(2027, 2, 11, 8, 15), vn(2027, 2, 3, 16, 45)),
]


@pytest.mark.parametrize(
    ("calendar", "due_at", "expected"), [case[1:] for case in AT_RISK_CASES], ids=[case[0] for case in AT_RISK_CASES]
)
def test_at_risk_from(calendar: Calendar, due_at: datetime, expected: datetime) -> None:
    assert at_risk_from(due_at, DEFAULT, calendar) == expected


TIME_LEFT_CASES = [
    ("24/7 before due", AlwaysOpen(), utc(2026, 3, 3, 14), utc(2026, 3, 3, 11, 55), 2 * H + 5 * M),
    ("24/7 overdue", AlwaysOpen(), utc(2026, 3, 3, 14), utc(2026, 3, 3, 14, 12), -12 * M),
    ("overnight counts nothing", VN, vn(2026, 3, 4, 9), vn(2026, 3, 3, 22), H),
    ("overdue in business time", VN, vn(2026, 3, 3, 17), vn(2026, 3, 4, 8, 45), -75 * M),
    ("overdue over a closed weekend", VN, vn(2026, 3, 7, 11), vn(2026, 3, 9, 9), -2 * H),
    ("exactly due", VN, vn(2026, 3, 3, 12), vn(2026, 3, 3, 12), timedelta(0)),
]


@pytest.mark.parametrize(
    ("calendar", "due_at", "now", "expected"),
    [case[1:] for case in TIME_LEFT_CASES],
    ids=[case[0] for case in TIME_LEFT_CASES],
)
def test_time_left(calendar: Calendar, due_at: datetime, now: datetime, expected: timedelta) -> None:
    assert time_left(due_at, now, calendar) == expected


DUE = utc(2026, 3, 3, 14)
RISK = utc(2026, 3, 3, 13)
STATE_CASES = [
    ("on track", None, utc(2026, 3, 3, 12, 59), ON_TRACK),
    ("at risk from threshold", None, RISK, AT_RISK),
    ("at risk just before due", None, utc(2026, 3, 3, 13, 59, 59), AT_RISK),
    ("breached at due", None, DUE, BREACHED),
    ("breached later", None, utc(2026, 3, 5, 9), BREACHED),
    ("met early", utc(2026, 3, 3, 10), utc(2026, 3, 5, 9), MET),
    ("met exactly at due", DUE, utc(2026, 3, 5, 9), MET),
    ("met while at risk", utc(2026, 3, 3, 13, 30), utc(2026, 3, 3, 13, 31), MET),
    ("missed", utc(2026, 3, 3, 14, 0, 1), utc(2026, 3, 3, 15), MISSED),
    ("responded in another zone", vn(2026, 3, 3, 20, 59), utc(2026, 3, 3, 15), MET),
]


@pytest.mark.parametrize(
    ("responded_at", "now", "expected"), [case[1:] for case in STATE_CASES], ids=[case[0] for case in STATE_CASES]
)
def test_sla_state(responded_at: datetime | None, now: datetime, expected: str) -> None:
    assert sla_state(DUE, responded_at, now, RISK) == expected


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0h 00m"),
        (2 * H + 5 * M, "2h 05m"),
        (2 * H + 5 * M + timedelta(seconds=59), "2h 05m"),
        (-12 * M, "-0h 12m"),
        (-(3 * H + 30 * M), "-3h 30m"),
        (timedelta(seconds=-30), "-0h 00m"),
        (26 * H, "26h 00m"),
    ],
)
def test_format_duration(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


def test_resolution_and_manager_escalation_are_optional() -> None:
    created = vn(2026, 3, 3, 9)
    assert resolution_due(created, DEFAULT, VN) is None
    assert manager_escalation_at(vn(2026, 3, 3, 13), DEFAULT, VN) is None
    strict = Policy(resolution=24 * H, escalate_managers_after=2 * H)
    assert resolution_due(created, strict, VN) == vn(2026, 3, 5, 14)
    assert manager_escalation_at(vn(2026, 3, 3, 17), strict, VN) == vn(2026, 3, 4, 9, 30)


def test_dst_change_does_not_shift_due_times() -> None:
    # Berlin moves to summer time on Sunday 2026-03-29; Saturday is 08:00-12:00 in winter time.
    created = datetime(2026, 3, 28, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    due = first_response_due(created, DEFAULT, BERLIN)
    assert due == utc(2026, 3, 30, 8)
    assert time_left(due, created, BERLIN) == 4 * H


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: first_response_due(naive, DEFAULT, VN),
        lambda naive: first_response_due(naive, DEFAULT, AlwaysOpen()),
        lambda naive: at_risk_from(naive, DEFAULT, VN),
        lambda naive: time_left(DUE, naive, VN),
        lambda naive: time_left(naive, DUE, AlwaysOpen()),
        lambda naive: resolution_due(naive, DEFAULT, VN),
        lambda naive: manager_escalation_at(naive, DEFAULT, VN),
        lambda naive: sla_state(naive, None, DUE, RISK),
        lambda naive: sla_state(DUE, naive, DUE, RISK),
        lambda naive: sla_state(DUE, None, naive, RISK),
        lambda naive: sla_state(DUE, None, DUE, naive),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 3, 3, 10))


# --- properties -------------------------------------------------------------------------

CALENDARS = st.sampled_from([AlwaysOpen(), VN, VN_COMPANY_DAY_OFF, BERLIN])
INSTANTS = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2028, 6, 1), timezones=st.just(UTC))
TARGETS = st.integers(min_value=2, max_value=48 * 60).map(lambda minutes: timedelta(minutes=minutes))
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, created_at=INSTANTS, target=TARGETS)
def test_due_time_is_never_before_creation(calendar: Calendar, created_at: datetime, target: timedelta) -> None:
    policy = Policy(first_response=target, at_risk_before=target / 2)
    assert first_response_due(created_at, policy, calendar) >= created_at


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, created_at=INSTANTS, target=TARGETS, fraction=st.floats(min_value=0, max_value=1))
def test_time_left_and_time_spent_add_up_to_target(
    calendar: Calendar, created_at: datetime, target: timedelta, fraction: float
) -> None:
    created_at = calendar.add_business_time(created_at, timedelta(0))  # inside hours
    policy = Policy(first_response=target, at_risk_before=target / 2)
    due = first_response_due(created_at, policy, calendar)
    now = created_at + (due - created_at) * fraction
    assert created_at <= now <= due
    assert time_left(due, now, calendar) + calendar.business_time_between(created_at, now) == target


@PROPERTY_SETTINGS
@given(calendar=CALENDARS, created_at=INSTANTS, target=TARGETS, now=INSTANTS)
def test_at_risk_exactly_when_little_time_is_left(
    calendar: Calendar, created_at: datetime, target: timedelta, now: datetime
) -> None:
    policy = Policy(first_response=target, at_risk_before=target / 2)
    due = first_response_due(created_at, policy, calendar)
    risky = at_risk_from(due, policy, calendar)
    state = sla_state(due, None, now, risky)
    if now >= due:
        assert state == BREACHED
    elif time_left(due, now, calendar) <= policy.at_risk_before:
        assert state == AT_RISK
    else:
        assert state == ON_TRACK


def test_duration_parts_are_what_the_badge_shows() -> None:
    from sla import duration_parts

    assert duration_parts(2 * H + 5 * M + timedelta(seconds=59)) == ("", 2, 5)
    assert duration_parts(timedelta(seconds=-30)) == ("-", 0, 0)
    assert duration_parts(-(26 * H + 1 * M)) == ("-", 26, 1)
