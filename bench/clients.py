"""HTTP clients of the benchmark: `wrk` posting the real seller form (the peer kit's form.lua and
prep.py), the staff read latencies, and the peer kit's mixed load."""
from __future__ import annotations

import json
import os
import re
import resource
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from bench.common import MANAGER, PASSWORD, PEER_KIT, PYTHON, StepFailed, pct

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WRK_RE = {
    "requests": re.compile(r"(\d+) requests in ([\d.]+)s"),
    "non2xx": re.compile(r"Non-2xx or 3xx responses: (\d+)"),
    "socket_errors": re.compile(r"Socket errors: (.*)"),
    "latency": re.compile(r"Latency\s+(\S+)"),
}


@dataclass
class WrkResult:
    stored: int  # rows the server stored during the run: what "submissions" counts
    seconds: float
    requests: int
    non2xx: int
    errors: str

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        extra = f"; non-2xx/3xx {self.non2xx}" + (f"; socket errors {self.errors}" if self.errors else "")
        return f"{self.stored} stored of {self.requests} requests in {self.seconds:.1f} s = {self.rate:.1f}/s{extra}"


def prep_form(kind: str, base: str, path: str) -> dict[str, str]:
    """The peer kit's prep.py: the cookie, body and path of one real form POST (`kind` portal or peer)."""
    result = subprocess.run([PYTHON, str(PEER_KIT / "prep.py"), kind, base, path], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        raise StepFailed(f"prep.py {kind} {path}: {result.stderr.strip()[-300:]}")
    env = {}
    for word in shlex.split(result.stdout.strip().removeprefix("export ")):
        name, _, value = word.partition("=")
        env[name] = value
    return env


def wrk(url: str, script: str, seconds: float, count: Callable[[], int], env: dict[str, str] | None = None,
        threads: int = 2, connections: int = 8) -> WrkResult:
    """`wrk -tT -cC -dDs -s SCRIPT URL`, counting the rows stored before and after (`count()`)."""
    before = count()
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "-s", str(PEER_KIT / script), url]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60,
                            env={**_base_env(), **(env or {})})
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise StepFailed(f"wrk {url}: {result.stderr.strip()[-300:]}")
    stored = count() - before
    out = result.stdout
    found = WRK_RE["requests"].search(out)
    non2xx = WRK_RE["non2xx"].search(out)
    errors = WRK_RE["socket_errors"].search(out)
    return WrkResult(stored=stored, seconds=float(found.group(2)) if found else elapsed,
                     requests=int(found.group(1)) if found else 0, non2xx=int(non2xx.group(1)) if non2xx else 0,
                     errors=errors.group(1).strip() if errors else "")


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WRK_")}


def login(base: str, email: str = MANAGER) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    csrf = CSRF_RE.search(page.text)
    if not csrf:
        raise StepFailed(f"GET /login: {page.status_code}, no csrf_token")
    answer = session.post(base + "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)},
                          allow_redirects=False, timeout=30)
    if answer.status_code not in (302, 303):
        raise StepFailed(f"POST /login answered {answer.status_code}")
    return session


def latency(session: requests.Session, urls: list[str], samples: int, cap_seconds: float) -> tuple[list[float], int]:
    """Sequential GETs of urls (cycled) until `samples` or `cap_seconds`; returns (seconds of the 200s, failures)."""
    for url in (urls * 4)[:4]:  # warm the workers, untimed
        session.get(url, timeout=120)
    timings, failures = [], 0
    end = time.monotonic() + cap_seconds
    for i in range(samples):
        if time.monotonic() > end:
            break
        started = time.perf_counter()
        answer = session.get(urls[i % len(urls)], timeout=120)
        elapsed = time.perf_counter() - started
        if answer.status_code == 200:
            timings.append(elapsed)
        else:
            failures += 1
    return timings, failures


def summary(timings: list[float]) -> dict:
    if not timings:
        return {"n": 0}
    return {"n": len(timings), "p50_ms": pct(timings, 50) * 1000, "p95_ms": pct(timings, 95) * 1000}


def mixed_load(base: str, link: str, *, agents: int, refresh: float, sellers_per_s: float, seconds: float,
               export: bool = True, timeout: float | None = None) -> dict:
    """The peer kit's mixed_load.py against `base`: p50/p90/p99/max per kind, and error counts."""
    cmd = [PYTHON, str(PEER_KIT / "mixed_load.py"), "--base", base, "--link", link, "--agents", str(agents),
           "--refresh", str(refresh), "--sellers-per-s", str(sellers_per_s), "--seconds", str(seconds)]
    if export:
        cmd.append("--export")
    # the exporter thread is a daemon: the client ends with the load, not with the last export
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout or seconds + 300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise StepFailed(f"mixed_load.py: {result.stderr.strip()[-400:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    out["client_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    return out


def server_times(log_text: str, paths: dict[str, tuple[str, str]]) -> dict:
    """p50/p99 of the time the portal itself took (its JSON request log, field `ms`) for each named
    (method, path): set beside the client's figures, the difference is time spent waiting for a worker."""
    seen: dict[str, list[float]] = {name: [] for name in paths}
    wanted = {v: k for k, v in paths.items()}
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        name = wanted.get((entry.get("method"), entry.get("path")))
        if name and entry.get("message") == "request" and "ms" in entry:
            seen[name].append(float(entry["ms"]) / 1000)
    return {name: {"n": len(v), "p50_ms": round(pct(v, 50) * 1000, 1), "p99_ms": round(pct(v, 99) * 1000, 1)}
            for name, v in seen.items() if v}
