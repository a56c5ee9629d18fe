"""Pure SLA logic: business calendars, policies and the first-response clock.

Standard library, ``zoneinfo`` and the ``holidays`` package only; no web or database code.
Functions take ``now`` as a parameter and never read the clock.
"""

from .calendar_data import calendar_from_dict, calendar_to_dict
from .calendars import (
    DEFAULT_COUNTRY,
    DEFAULT_TIMEZONE,
    DEFAULT_WEEKLY_HOURS,
    AlwaysOpen,
    BusinessCalendar,
    Calendar,
    CalendarError,
)
from .clock import (
    AT_RISK,
    BREACHED,
    MET,
    MISSED,
    ON_TRACK,
    SLA_STATES,
    at_risk_from,
    duration_parts,
    first_response_due,
    format_duration,
    manager_escalation_at,
    resolution_due,
    sla_state,
    time_left,
)
from .policy import ANY, Policy, PolicyError, policy_for

__all__ = [
    "ANY",
    "AT_RISK",
    "BREACHED",
    "DEFAULT_COUNTRY",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY_HOURS",
    "MET",
    "MISSED",
    "ON_TRACK",
    "SLA_STATES",
    "AlwaysOpen",
    "BusinessCalendar",
    "Calendar",
    "CalendarError",
    "Policy",
    "PolicyError",
    "at_risk_from",
    "calendar_from_dict",
    "calendar_to_dict",
    "first_response_due",
    "duration_parts",
    "format_duration",
    "manager_escalation_at",
    "policy_for",
    "resolution_due",
    "sla_state",
    "time_left",
]
