"""Pick the agent who should receive the next ticket."""

from __future__ import annotations

from collections.abc import Mapping


def pick_least_loaded(open_counts: Mapping[int, int]) -> int | None:
    """Return the agent id with the fewest open tickets, the lowest id on a tie, or None when nobody is on duty."""
    if not open_counts:
        return None
    return min(open_counts, key=lambda agent_id: (open_counts[agent_id], agent_id))
