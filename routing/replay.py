"""The report of a replay: how a rule change would move existing tickets between departments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field

MAX_EXAMPLES = 10

Move = tuple[str, str]


@dataclass(frozen=True)
class ReplayReport:
    """Outcome of routing existing tickets again with another rule set.

    ``moved`` counts tickets per (from department, to department); ``examples`` keeps, per move,
    up to ``MAX_EXAMPLES`` ticket keys (positions, or mapping keys when the tickets came as a mapping).
    """

    total: int = 0
    moved: Counter[Move] = field(default_factory=Counter)
    unchanged: int = 0
    examples: dict[Move, list[Hashable]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human summary: one line per move, largest first, then the number of unchanged tickets."""
        if not self.total:
            return ["no tickets replayed"]
        ordered = sorted(self.moved.items(), key=lambda item: (-item[1], item[0]))
        lines = [f"{_tickets(count)} would move from {source} to {target}" for (source, target), count in ordered]
        lines.append(f"{self.unchanged} of {_tickets(self.total)} unchanged")
        return lines


def _tickets(count: int) -> str:
    return f"{count} ticket" if count == 1 else f"{count} tickets"
