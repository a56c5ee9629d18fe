"""SLA policies: validation, settings and which policy applies to a ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla import Policy, PolicyError, policy_for

H = timedelta(hours=1)
M = timedelta(minutes=1)
DEFAULT = Policy()
DELIVERY_URGENT = Policy(first_response=H, at_risk_before=15 * M)
DELIVERY_ANY = Policy(first_response=2 * H, at_risk_before=30 * M)
ANY_URGENT = Policy(first_response=90 * M, at_risk_before=20 * M)
FINANCE_ANY = Policy(first_response=8 * H, at_risk_before=2 * H)
POLICIES = {
    ("delivery", "urgent"): DELIVERY_URGENT,
    ("delivery", "*"): DELIVERY_ANY,
    ("*", "urgent"): ANY_URGENT,
    ("finance", "*"): FINANCE_ANY,
}


def test_defaults_match_the_product_promise() -> None:
    assert DEFAULT.first_response == 4 * H
    assert DEFAULT.at_risk_before == 60 * M
    assert DEFAULT.resolution is None
    assert DEFAULT.escalate_managers_after is None


@pytest.mark.parametrize(
    ("department", "priority", "expected"),
    [
        pytest.param("delivery", "urgent", DELIVERY_URGENT, id="department and priority"),
        pytest.param("delivery", "normal", DELIVERY_ANY, id="department wildcard"),
        pytest.param("finance", "urgent", FINANCE_ANY, id="department wildcard beats priority wildcard"),
        pytest.param("returns", "urgent", ANY_URGENT, id="priority wildcard"),
        pytest.param("returns", "normal", DEFAULT, id="default"),
        pytest.param("apps", "high", DEFAULT, id="unknown pair falls back"),
    ],
)
def test_policy_for_lookup_order(department: str, priority: str, expected: Policy) -> None:
    assert policy_for(POLICIES, department, priority, DEFAULT) is expected


def test_policy_for_with_no_policies_gives_default() -> None:
    assert policy_for({}, "delivery", "urgent", DEFAULT) is DEFAULT


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param((4, 60), Policy(), id="defaults"),
        pytest.param((0.5, 10), Policy(first_response=30 * M, at_risk_before=10 * M), id="fractions"),
        pytest.param(("4", "60"), Policy(), id="environment strings"),
        pytest.param(
            (4, 60, 48, 120),
            Policy(resolution=48 * H, escalate_managers_after=2 * H),
            id="resolution and manager escalation",
        ),
    ],
)
def test_from_settings(arguments: tuple, expected: Policy) -> None:
    assert Policy.from_settings(*arguments) == expected


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param((0, 60), id="zero target"),
        pytest.param((-4, 60), id="negative target"),
        pytest.param((4, 0), id="zero at-risk"),
        pytest.param((4, 240), id="at-risk equals target"),
        pytest.param((1, 90), id="at-risk longer than target"),
        pytest.param((float("nan"), 60), id="not a number"),
        pytest.param((float("inf"), 60), id="infinite"),
        pytest.param(("four", 60), id="text"),
        pytest.param((None, 60), id="missing"),
        pytest.param((True, 60), id="boolean"),
        pytest.param((4, 60, 0), id="zero resolution"),
        pytest.param((4, 60, None, -5), id="negative escalation"),
    ],
)
def test_from_settings_refuses_bad_numbers(arguments: tuple) -> None:
    with pytest.raises(PolicyError):
        Policy.from_settings(*arguments)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"first_response": timedelta(0)}, id="zero target"),
        pytest.param({"first_response": H, "at_risk_before": H}, id="at-risk not shorter"),
        pytest.param({"at_risk_before": -M}, id="negative at-risk"),
        pytest.param({"first_response": 4}, id="number instead of timedelta"),
        pytest.param({"resolution": timedelta(0)}, id="zero resolution"),
        pytest.param({"escalate_managers_after": -H}, id="negative escalation"),
    ],
)
def test_policy_refuses_bad_targets(fields: dict) -> None:
    with pytest.raises(PolicyError):
        Policy(**fields)


def test_policy_is_immutable() -> None:
    with pytest.raises(AttributeError):
        DEFAULT.first_response = H  # type: ignore[misc]
