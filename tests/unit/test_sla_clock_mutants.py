"""The SLA clock's refusals name the argument at fault, and its state changes at the exact instants.

A caller that passes a naive datetime learns which one from the message; the messages are pinned
whole (anchored), since a wrong or decorated name is as unhelpful as none.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sla import (
    AT_RISK,
    BREACHED,
    MET,
    MISSED,
    ON_TRACK,
    AlwaysOpen,
    Policy,
    format_duration,
    manager_escalation_at,
    resolution_due,
    sla_state,
)
from sla.clock import duration_parts

AWARE = datetime(2026, 3, 3, 10, tzinfo=UTC)
NAIVE = datetime(2026, 3, 3, 10)
NO_TARGETS = Policy()  # no resolution target, no manager escalation


def naive_message(name: str) -> str:
    return rf"^{name} must be timezone-aware, got naive datetime\.datetime\(2026, 3, 3, 10, 0\)$"


def test_resolution_due_without_a_target_still_refuses_a_naive_creation_time_by_name() -> None:
    with pytest.raises(ValueError, match=naive_message("created_at")):
        resolution_due(NAIVE, NO_TARGETS, AlwaysOpen())


def test_manager_escalation_without_a_threshold_still_refuses_a_naive_due_time_by_name() -> None:
    with pytest.raises(ValueError, match=naive_message("due_at")):
        manager_escalation_at(NAIVE, NO_TARGETS, AlwaysOpen())


def test_targets_that_are_not_set_give_none_for_aware_times() -> None:
    assert resolution_due(AWARE, NO_TARGETS, AlwaysOpen()) is None
    assert manager_escalation_at(AWARE, NO_TARGETS, AlwaysOpen()) is None


@pytest.mark.parametrize(("name", "arguments"), [
    ("due_at", dict(due_at=NAIVE, responded_at=None, now=AWARE, at_risk_from=AWARE)),
    ("now", dict(due_at=AWARE, responded_at=None, now=NAIVE, at_risk_from=AWARE)),
    ("at_risk_from", dict(due_at=AWARE, responded_at=None, now=AWARE, at_risk_from=NAIVE)),
    ("responded_at", dict(due_at=AWARE, responded_at=NAIVE, now=AWARE, at_risk_from=AWARE)),
])
def test_sla_state_names_the_naive_argument(name: str, arguments: dict) -> None:
    with pytest.raises(ValueError, match=naive_message(name)):
        sla_state(**arguments)


@pytest.mark.parametrize(("name", "arguments"), [
    ("due_at", dict(due_at="2026-03-03T10:00Z", responded_at=None, now=AWARE, at_risk_from=AWARE)),
    ("now", dict(due_at=AWARE, responded_at=None, now=1772532000, at_risk_from=AWARE)),
])
def test_sla_state_names_the_argument_that_is_not_a_datetime(name: str, arguments: dict) -> None:
    with pytest.raises(TypeError, match=rf"^{name} must be a datetime, not (str|int)$"):
        sla_state(**arguments)


DUE = datetime(2026, 3, 3, 14, tzinfo=UTC)
RISKY = DUE - timedelta(hours=1)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("now", "responded_at", "state"), [
    (RISKY - TICK, None, ON_TRACK),
    (RISKY, None, AT_RISK),  # exactly at the threshold
    (DUE - TICK, None, AT_RISK),
    (DUE, None, BREACHED),  # exactly at the due time
    (DUE + timedelta(days=3), DUE, MET),  # answered exactly at the due time
    (DUE + timedelta(days=3), DUE + TICK, MISSED),
    (RISKY - TICK, RISKY - TICK, MET),  # an answer settles the state whatever now is
])
def test_sla_state_at_the_boundaries(now: datetime, responded_at: datetime | None, state: str) -> None:
    assert sla_state(DUE, responded_at, now, RISKY) == state


def test_sla_state_compares_instants_not_wall_clocks() -> None:
    plus7 = timezone(timedelta(hours=7))
    assert sla_state(DUE, None, RISKY.astimezone(plus7), RISKY) == AT_RISK
    assert sla_state(DUE, DUE.astimezone(plus7), DUE, RISKY) == MET  # 21:00+07:00 is 14:00 UTC
    assert sla_state(DUE.astimezone(plus7), None, DUE, RISKY.astimezone(plus7)) == BREACHED


@pytest.mark.parametrize(("value", "type_name"), [(90, "int"), (None, "NoneType"), ("2h", "str"), (1.5, "float")])
def test_duration_parts_refuses_what_is_not_a_timedelta_by_its_type(value: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"^td must be a timedelta, not {type_name}$"):
        duration_parts(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("td", "parts", "text"), [
    (timedelta(0), ("", 0, 0), "0h 00m"),
    (timedelta(seconds=59), ("", 0, 0), "0h 00m"),
    (timedelta(seconds=-1), ("-", 0, 0), "-0h 00m"),  # negative under a minute keeps its sign
    (timedelta(minutes=-12, seconds=-59), ("-", 0, 12), "-0h 12m"),  # rounded towards zero
    (timedelta(hours=2, minutes=5), ("", 2, 5), "2h 05m"),
    (timedelta(days=2, minutes=1), ("", 48, 1), "48h 01m"),  # hours not folded into days
])
def test_duration_parts_and_badge_text(td: timedelta, parts: tuple[str, int, int], text: str) -> None:
    assert duration_parts(td) == parts
    assert format_duration(td) == text
