"""SLA policy refusals say which setting is wrong and why, and policy_for picks the most specific entry.

The configuration numbers come from the environment (SLA_FIRST_RESPONSE_HOURS, ...): a refusal that
names the wrong setting, or none, sends the operator to the wrong variable. Messages are pinned whole.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sla import Policy
from sla.policy import ANY, PolicyError, policy_for

GOOD = dict(first_response_hours=4, at_risk_minutes=30, resolution_hours=24, escalate_managers_after_minutes=60)
SETTINGS = list(GOOD)


def exactly(message: str) -> str:
    return "^" + re.escape(message) + "$"


@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize(("value", "message"), [
    (True, "{name} must be a number, got True"),
    ("four", "{name} must be a number, got 'four'"),
    ([4], "{name} must be a number, got [4]"),
    (0, "{name} must be a positive number, got 0"),  # zero is refused here, not later as a duration
    ("0", "{name} must be a positive number, got '0'"),
    (-1.5, "{name} must be a positive number, got -1.5"),
    (float("nan"), "{name} must be a positive number, got nan"),
    ("inf", "{name} must be a positive number, got 'inf'"),
])
def test_from_settings_names_the_setting_that_is_not_a_positive_number(name: str, value: object, message: str) -> None:
    with pytest.raises(PolicyError, match=exactly(message.format(name=name))):
        Policy.from_settings(**{**GOOD, name: value})


def test_from_settings_accepts_numeric_strings_from_the_environment() -> None:
    policy = Policy.from_settings("4", "30", "24.5", "90")
    assert policy == Policy(timedelta(hours=4), timedelta(minutes=30), timedelta(hours=24.5), timedelta(minutes=90))


def test_policy_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="^at_risk_minutes "):
        Policy.from_settings(4, 0)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("first_response", 4, "first_response must be a timedelta, got 4"),
    ("at_risk_before", "1h", "at_risk_before must be a timedelta, got '1h'"),
    ("resolution", 24.0, "resolution must be a timedelta, got 24.0"),
    ("escalate_managers_after", 60, "escalate_managers_after must be a timedelta, got 60"),
    ("first_response", None, "first_response must be a timedelta, got None"),  # only the optional two may be None
    ("at_risk_before", timedelta(0), "at_risk_before must be positive, got 0:00:00"),
    ("resolution", -timedelta(hours=1), "resolution must be positive, got -1 day, 23:00:00"),
    ("escalate_managers_after", timedelta(0), "escalate_managers_after must be positive, got 0:00:00"),
])
def test_policy_names_the_target_that_is_wrong(field: str, value: object, message: str) -> None:
    with pytest.raises(PolicyError, match=exactly(message)):
        Policy(**{field: value})


@pytest.mark.parametrize("at_risk", [timedelta(hours=4), timedelta(hours=5)])
def test_policy_refuses_an_at_risk_threshold_not_shorter_than_the_target(at_risk: timedelta) -> None:
    message = f"at_risk_before ({at_risk}) must be shorter than first_response (4:00:00)"
    with pytest.raises(PolicyError, match=exactly(message)):
        Policy(first_response=timedelta(hours=4), at_risk_before=at_risk)


def test_policy_accepts_an_at_risk_threshold_just_under_the_target() -> None:
    policy = Policy(first_response=timedelta(hours=4), at_risk_before=timedelta(hours=4) - timedelta(microseconds=1))
    assert policy.at_risk_before < policy.first_response


def labelled(minutes: int) -> Policy:
    return Policy(first_response=timedelta(hours=8), at_risk_before=timedelta(minutes=minutes))


EXACT, DEPARTMENT_WIDE, PRIORITY_WIDE, DEFAULT = labelled(1), labelled(2), labelled(3), labelled(4)


@pytest.mark.parametrize(("entries", "expected"), [
    ({("finance", "high"): EXACT, ("finance", ANY): DEPARTMENT_WIDE, (ANY, "high"): PRIORITY_WIDE}, EXACT),
    ({("finance", ANY): DEPARTMENT_WIDE, (ANY, "high"): PRIORITY_WIDE}, DEPARTMENT_WIDE),
    ({(ANY, "high"): PRIORITY_WIDE, ("finance", "low"): EXACT, ("returns", "high"): EXACT}, PRIORITY_WIDE),
    ({("returns", ANY): DEPARTMENT_WIDE, ("finance", "low"): EXACT}, DEFAULT),
    ({}, DEFAULT),
])
def test_policy_for_prefers_the_most_specific_entry(entries: dict, expected: Policy) -> None:
    assert policy_for(entries, "finance", "high", DEFAULT) is expected
