"""The speed floor of issue 18 and the one table `make bench` prints: each figure beside its floor,
with pass or fail. A figure that could not be measured is "not measured" and fails."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Floor:
    key: str
    what: str
    floor: str
    passes: Callable[[dict], bool]  # the figure's raw values -> within the floor
    show: Callable[[dict], str]


def _ratio(a: str, b: str) -> Callable[[dict], float]:
    return lambda v: v[a] / v[b] if v.get(b) else 0.0


def _mixed(v: dict) -> str:
    inside = f"; {v['server_p99']:.0f}" if v.get("server_p99") is not None else ""
    return f"{v['p99']:.0f} ({v['p50']:.0f}, {v['errors']} errors{inside})"


FLOORS = (
    Floor("sub_vs_peer", "submissions/s, portal vs django-helpdesk (SQLite, wrk -t2 -c8, gunicorn 2 workers)",
          ">= 3x peer", lambda v: _ratio("portal", "peer")(v) >= 3,
          lambda v: f"{v['portal']:.0f} vs {v['peer']:.0f} = {_ratio('portal', 'peer')(v):.1f}x"),
    Floor("sub_vs_bare", "submissions/s, portal vs bare Flask + SQLAlchemy insert (same wrk, same gunicorn)",
          ">= 0.3x bare", lambda v: _ratio("portal", "bare")(v) >= 0.3,
          lambda v: f"{v['portal']:.0f} vs {v['bare']:.0f} = {_ratio('portal', 'bare')(v):.2f}x"),
    Floor("inbox_ms", "staff list: inbox first page, manager, p50 (p95) ms", "<= 20 ms",
          lambda v: v["p50_ms"] <= 20, lambda v: f"{v['p50_ms']:.1f} ({v['p95_ms']:.1f})"),
    Floor("csv_rate", "CSV export by=ticket rows/s (wall; per CPU second); peak RSS over start-up",
          ">= 100k rows/s, RSS < 256 MB",
          lambda v: v["rate"] >= 100_000 and v["rss_growth_mb"] < 256,
          lambda v: f"{v['rate']:,.0f} ({v['rows']:,} rows in {v['seconds']:.1f} s; {v['cpu_rate']:,.0f} per CPU s); "
                    f"+{v['rss_growth_mb']:.0f} MB"),
    Floor("sweep_s", "SLA sweep s: first pass (marks) / steady pass", "<= 1 s (both)",
          lambda v: max(v["passes"]) <= 1.0,
          lambda v: f"{v['passes'][0]:.2f} ({v['marks']}) / {v['passes'][1]:.2f}"),
    Floor("mixed_inbox", "mixed load: inbox p99 ms (p50, errors; p99 inside the server)", "p99 <= 100 ms",
          lambda v: v["p99"] <= 100 and not v["errors"], lambda v: _mixed(v)),
    Floor("mixed_submit", "mixed load: submit, GET form + POST, p99 ms (p50, errors; POST p99 inside the server)",
          "p99 <= 100 ms", lambda v: v["p99"] <= 100 and not v["errors"], lambda v: _mixed(v)),
)


@dataclass
class Figures:
    """Raw values per (floor key, column): column is the database and size a figure was taken on."""
    values: dict[tuple[str, str], dict] = field(default_factory=dict)
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)

    def put(self, key: str, column: str, value: dict) -> None:
        if column not in self.columns:
            self.columns.append(column)
        self.values[key, column] = value

    def fail(self, key: str, column: str, why: str) -> None:
        if column not in self.columns:
            self.columns.append(column)
        self.notes[key, column] = why

    def verdicts(self) -> list[tuple[Floor, str, str, bool | None]]:
        """(floor, column, cell, passed) for every figure taken or attempted; passed None: not measured."""
        out = []
        for floor in FLOORS:
            for column in self.columns:
                value = self.values.get((floor.key, column))
                if value is not None:
                    try:
                        out.append((floor, column, floor.show(value), bool(floor.passes(value))))
                    except (KeyError, TypeError, ZeroDivisionError, IndexError) as exc:
                        out.append((floor, column, f"incomplete ({exc})", False))
                elif (floor.key, column) in self.notes:
                    out.append((floor, column, f"not measured: {self.notes[floor.key, column]}", None))
        return out

    def table(self) -> str:
        lines = ["| figure | on | measured | floor | verdict |", "|---|---|---|---|---|"]
        for floor, column, cell, passed in self.verdicts():
            verdict = "PASS" if passed else "FAIL" if passed is False else "FAIL (not measured)"
            cell = cell.replace("|", "/").replace("\n", " ")
            lines.append(f"| {floor.what} | {column} | {cell} | {floor.floor} | {verdict} |")
        return "\n".join(lines)

    def all_pass(self) -> bool:
        verdicts = self.verdicts()
        return bool(verdicts) and all(passed for *_rest, passed in verdicts)
