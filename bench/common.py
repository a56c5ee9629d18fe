"""What every part of the benchmark shares: paths, the time budget, step failures, formatting, and
facts about the machine. Importing it puts the repository root on sys.path, so that `tests.server`
(the one server harness) and `portal` can be imported from bench/."""
from __future__ import annotations

import math
import os
import platform
import re
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
# where what is not ours lives between runs: django-helpdesk's build, reusable large databases
CACHE = Path(os.environ.get("PORTAL_BENCH_CACHE") or Path.home() / ".cache" / "portal-bench")
# the peer's recipe, its client, the wrk scripts and mixed_load.py (read, never copied into the repo)
PEER_KIT = Path(os.environ.get("PORTAL_BENCH_PEER_KIT") or "/work/shared/peer")

SECRET_KEY = "bench-secret-key-0123456789abcdef"
PASSWORD = "demo-password-2026"
MANAGER = "manager@demo.test"


class OutOfTime(Exception):
    """The run's time budget is spent: the remaining steps are skipped."""


class StepFailed(Exception):
    pass


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self, wanted: float) -> float:
        left = self.left()
        if left < 2:
            raise OutOfTime()
        return min(wanted, left)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fmt_ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{pct(values, 50) * 1000:.1f} / {pct(values, 95) * 1000:.1f}"


def fmt_num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children (gunicorn's master and
    workers), from /proc; 0 where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)  # ppid, utime+stime
    wanted, found = {pid}, True
    while found:
        found = False
        for child, (ppid, _cpu) in stats.items():
            if ppid in wanted and child not in wanted:
                wanted.add(child)
                found = True
    return sum(stats.get(member, (0, 0.0))[1] for member in wanted)


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, everything but idle and iowait), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "ram": ram, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def cpu_speed_ms(rounds: int = 3) -> float:
    """Milliseconds one CPU takes for a fixed pure-Python loop (the best of `rounds`): printed at the
    start and the end of a run beside the figures, so that runs on a slower machine, or on a host
    whose other guests take its CPUs, are told apart from a change in the portal (on 2026-12-08 the
    same machine ran this loop half again as slowly for an hour as before and after)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for n in range(10_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return round(best * 1000)


APP_SOURCES = ("portal", "forms", "routing", "sla", "migrations", "templates", "wsgi.py", "gunicorn.conf.py")


def changed_sources(since: float) -> list[str]:
    """App files modified after `since` (epoch seconds): figures taken across such a change mix two versions."""
    changed = []
    for name in APP_SOURCES:
        top = ROOT / name
        for path in [top] if top.is_file() else top.rglob("*"):
            try:
                if path.is_file() and path.suffix in (".py", ".html", ".json", "") and path.stat().st_mtime > since:
                    changed.append(str(path.relative_to(ROOT)))
            except OSError:
                continue
    return sorted(changed)
