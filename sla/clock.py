"""The SLA clock: due times, time left and a ticket's SLA state.

Every function takes the current instant as ``now`` instead of reading the clock. Datetimes
must be timezone-aware (naive ones raise ``ValueError``); datetimes returned are in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .calendars import Calendar
from .policy import Policy
from .timeutil import to_utc

__all__ = [
    "AT_RISK",
    "BREACHED",
    "MET",
    "MISSED",
    "ON_TRACK",
    "SLA_STATES",
    "at_risk_from",
    "first_response_due",
    "format_duration",
    "manager_escalation_at",
    "resolution_due",
    "sla_state",
    "time_left",
]

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
MET = "met"
MISSED = "missed"
SLA_STATES = (ON_TRACK, AT_RISK, BREACHED, MET, MISSED)


def first_response_due(created_at: datetime, policy: Policy, calendar: Calendar) -> datetime:
    """Return when the first staff reply is due: ``policy.first_response`` of business time after creation.

    A ticket created outside business hours is due that long after the next opening.
    """
    return calendar.add_business_time(created_at, policy.first_response)


def resolution_due(created_at: datetime, policy: Policy, calendar: Calendar) -> datetime | None:
    """Return when the ticket should be resolved, or None when the policy sets no resolution target."""
    if policy.resolution is None:
        to_utc(created_at, "created_at")
        return None
    return calendar.add_business_time(created_at, policy.resolution)


def at_risk_from(due_at: datetime, policy: Policy, calendar: Calendar) -> datetime:
    """Return the earliest instant from which at most ``policy.at_risk_before`` of business time is left.

    From that instant on, :func:`time_left` is never more than the threshold. When the
    threshold reaches back past a closed period (a night, a weekend), the ticket turns at
    risk when the calendar closes, since no business time passes until the next opening.
    """
    return calendar.add_business_time(due_at, -policy.at_risk_before)


def manager_escalation_at(due_at: datetime, policy: Policy, calendar: Calendar) -> datetime | None:
    """Return when an unanswered breach is escalated to managers, or None when the policy has no such threshold.

    The threshold ``policy.escalate_managers_after`` counts business time past the due time.
    """
    if policy.escalate_managers_after is None:
        to_utc(due_at, "due_at")
        return None
    return calendar.add_business_time(due_at, policy.escalate_managers_after)


def time_left(due_at: datetime, now: datetime, calendar: Calendar) -> timedelta:
    """Return the business time from ``now`` until ``due_at``; negative once overdue.

    Overdue time is business time too, so it stays at zero while the calendar is closed
    right after the due time; :func:`sla_state` says whether the ticket is breached.
    """
    return calendar.business_time_between(now, due_at)


def sla_state(due_at: datetime, responded_at: datetime | None, now: datetime, at_risk_from: datetime) -> str:
    """Return the first-response SLA state of a ticket at ``now``.

    ``"met"`` when the response came at or before the due time, ``"missed"`` when it came
    later; without a response, ``"breached"`` from the due time on, ``"at_risk"`` from
    ``at_risk_from`` on, and ``"on_track"`` before that.
    """
    due = to_utc(due_at, "due_at")
    current = to_utc(now, "now")
    risky = to_utc(at_risk_from, "at_risk_from")
    if responded_at is not None:
        return MET if to_utc(responded_at, "responded_at") <= due else MISSED
    if current >= due:
        return BREACHED
    if current >= risky:
        return AT_RISK
    return ON_TRACK


def duration_parts(td: timedelta) -> tuple[str, int, int]:
    """``(sign, hours, minutes)`` of a duration: whole minutes, rounded towards zero, hours not
    folded into days; the sign is ``"-"`` for any negative duration, even under a minute."""
    if not isinstance(td, timedelta):
        raise TypeError(f"td must be a timedelta, not {type(td).__name__}")
    hours, minutes = divmod(abs(td) // timedelta(minutes=1), 60)
    return ("-" if td < timedelta(0) else ""), hours, minutes


def format_duration(td: timedelta) -> str:
    """Return a compact badge text such as ``"2h 05m"`` or ``"-0h 12m"`` (see `duration_parts`)."""
    sign, hours, minutes = duration_parts(td)
    return f"{sign}{hours}h {minutes:02d}m"
