"""SLA policies: the targets a ticket's clock runs against, and how to pick one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

__all__ = ["ANY", "Policy", "PolicyError", "policy_for"]

ANY = "*"


class PolicyError(ValueError):
    """Policy targets that cannot be used."""


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise PolicyError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(number) or number <= 0:
        raise PolicyError(f"{name} must be a positive number, got {value!r}")
    return number


@dataclass(frozen=True)
class Policy:
    """First-response and optional resolution targets, all measured in business time.

    ``at_risk_before`` is how long before the first-response due time a ticket counts as at
    risk. ``escalate_managers_after`` is a second threshold past the due time after which a
    breach is escalated to managers as well as leads. Construction refuses non-positive
    durations and an at-risk threshold that is not shorter than the first-response target.
    """

    first_response: timedelta = timedelta(hours=4)
    at_risk_before: timedelta = timedelta(minutes=60)
    resolution: timedelta | None = None
    escalate_managers_after: timedelta | None = None

    def __post_init__(self) -> None:
        for name in ("first_response", "at_risk_before", "resolution", "escalate_managers_after"):
            value = getattr(self, name)
            if value is None and name in ("resolution", "escalate_managers_after"):
                continue
            if not isinstance(value, timedelta):
                raise PolicyError(f"{name} must be a timedelta, got {value!r}")
            if value <= timedelta(0):
                raise PolicyError(f"{name} must be positive, got {value}")
        if self.at_risk_before >= self.first_response:
            raise PolicyError(
                f"at_risk_before ({self.at_risk_before}) must be shorter than first_response ({self.first_response})"
            )

    @classmethod
    def from_settings(
        cls,
        first_response_hours: float,
        at_risk_minutes: float,
        resolution_hours: float | None = None,
        escalate_managers_after_minutes: float | None = None,
    ) -> Policy:
        """Build a policy from configuration numbers (e.g. ``SLA_FIRST_RESPONSE_HOURS``).

        Numeric strings are accepted, as they come from the environment. Raises ``ValueError``
        unless every given number is finite and positive and the at-risk threshold is shorter
        than the first-response target.
        """
        resolution = None
        if resolution_hours is not None:
            resolution = timedelta(hours=_number(resolution_hours, "resolution_hours"))
        escalate = None
        if escalate_managers_after_minutes is not None:
            escalate = timedelta(minutes=_number(escalate_managers_after_minutes, "escalate_managers_after_minutes"))
        return cls(
            first_response=timedelta(hours=_number(first_response_hours, "first_response_hours")),
            at_risk_before=timedelta(minutes=_number(at_risk_minutes, "at_risk_minutes")),
            resolution=resolution,
            escalate_managers_after=escalate,
        )


def policy_for(
    policies: Mapping[tuple[str, str], Policy],
    department: str,
    priority: str,
    default: Policy,
) -> Policy:
    """Return the policy that applies to a ticket of ``department`` and ``priority``.

    The most specific entry wins: ``(department, priority)``, then ``(department, "*")``,
    then ``("*", priority)``, then ``default``.
    """
    for key in ((department, priority), (department, ANY), (ANY, priority)):
        policy = policies.get(key)
        if policy is not None:
            return policy
    return default
