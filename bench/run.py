"""Benchmarks of the portal: bulk generation, seller submissions through gunicorn (beside a bare
Flask + SQLAlchemy app), staff read latency, the SLA sweep and the CSV export, on SQLite and
PostgreSQL, at 10k (and with --full 1M) tickets. Prints a markdown table and writes
bench/results/latest.md (and latest.json). See bench/README.md.

    .venv/bin/python bench/run.py                      # both databases, 10k tickets
    .venv/bin/python bench/run.py --quick --db sqlite  # smoke run
    .venv/bin/python bench/run.py --full --db sqlite   # adds 1,000,000 tickets
"""
from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "python").exists() else Path(sys.executable).parent
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
GUNICORN = [str(BIN / "gunicorn")] if (BIN / "gunicorn").exists() else [PYTHON, "-m", "gunicorn"]
FLASK = [PYTHON, "-m", "flask", "--app", "wsgi"]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
PASSWORD = "demo-password-2026"
MANAGER = "manager@demo.test"
SELLER_CODES = ("DEMO-001", "DEMO-002", "DEMO-003", "DEMO-004")
CLIENTS = 16
# the portal and the bare app take turns, a few seconds each: whatever else the machine does in the
# meantime weighs on both alike, where one long run of each could catch it on one side only
ROUNDS = 3
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]*)"')
CATEGORIES = ("delivery_delay", "order_return_status", "finance", "app_bug", "other")
DESCRIPTIONS = ("Đơn hàng chưa được lấy hàng từ hôm qua, shipper không liên hệ.",
                "Khách đã nhận hàng nhưng COD chưa được đối soát.",
                "Hàng hoàn về kho nhưng trạng thái vẫn là đang giao.",
                "Ứng dụng báo lỗi khi in phiếu giao hàng.",
                "Please check why the pickup is late for this order.")
SEARCH_WORDS = ("giao chậm", "hoàn hàng", "đối soát COD", "shipper kho", "không đăng nhập được", "refund")
NO_MATCH_WORDS = ("khiếu nại bồi thường", "thất lạc", "warranty claim")

TARGETS = {
    "gen_rate": "1M in minutes, not hours (≥ ~3k/s)",
    "sub_ratio": "≥ 0.5× bare",
    "sub_errors": "zero 5xx",
    "inbox_ms": "1M ≈ 10k (django-helpdesk staff list: 365 ms at 10k)",
    "search_rare_ms": "1M ≈ 10k (indexed, no scan)",
    "search_nomatch_ms": "1M ≈ 10k (indexed, no scan)",
    "sweep2_s": "< 1 s at 1M",
    "csv_ticket_rate": "> 100k rows/s",
    "csv_ticket_mem": "bounded (1M ≈ 10k)",
    "csv_dept_mem": "52 B a ticket kept, plus one chunk at work (was ~600 B a ticket)",
    "csv_seller_mem": "52 B a ticket kept, plus one chunk at work (was ~600 B a ticket)",
    "dashboard_mem": "64 B a ticket kept, plus one chunk at work (was ~600 B a ticket)",
}
METRICS = [  # key, label
    ("gen_s", "generate: wall s (CLI, incl. start-up)"),
    ("gen_rate", "generate: tickets/s"),
    ("sub_rate", "submissions/s, portal (GET+POST pairs, 303s)"),
    ("bare_rate", "submissions/s, bare Flask+SQLAlchemy (GET+POST)"),
    ("sub_ratio", "portal / bare"),
    ("sub_cpu", "server CPU ms per GET+POST pair, portal / bare (= ratio)"),
    ("posts_only", "POSTs alone (form loaded once per client): submissions/s portal / bare = ratio; server CPU ms"),
    ("sub_get_ms", "seller form GET p50 / p95 ms (under load)"),
    ("sub_post_ms", "submission POST p50 / p95 ms (under load)"),
    ("sub_errors", "portal non-2xx/3xx responses"),
    ("bare_errors", "bare non-2xx/3xx responses"),
    ("inbox_ms", "inbox first page p50 / p95 ms"),
    ("ticket_ms", "staff ticket page p50 / p95 ms"),
    ("search_tracking_ms", "search tracking number p50 / p95 ms"),
    ("search_words_ms", "search common words p50 / p95 ms"),
    ("search_rare_ms", "search part of a tracking number p50 / p95 ms"),
    ("search_nomatch_ms", "search words, no match p50 / p95 ms"),
    ("sweep1_s", "SLA sweep pass 1 s (marks)"),
    ("sweep2_s", "SLA sweep pass 2 s (steady state)"),
    ("csv_ticket_s", "CSV by=ticket s (rows)"),
    ("csv_ticket_rate", "CSV by=ticket rows/s (per CPU second)"),
    ("csv_ticket_mem", "CSV by=ticket peak RSS MB (start-up RSS)"),
    ("csv_dept_s", "CSV by=department s (groups)"),
    ("csv_dept_rate", "CSV by=department tickets/s (per CPU second)"),
    ("csv_dept_mem", "CSV by=department peak RSS MB (start-up RSS)"),
    ("csv_seller_s", "CSV by=seller s (groups)"),
    ("csv_seller_rate", "CSV by=seller tickets/s (per CPU second)"),
    ("csv_seller_mem", "CSV by=seller peak RSS MB (start-up RSS)"),
    ("dashboard_s", "dashboard s"),
    ("dashboard_rate", "dashboard tickets/s (per CPU second)"),
    ("dashboard_mem", "dashboard peak RSS MB (start-up RSS)"),
]
REPORTS = (  # export, key prefix: one probe subprocess each, so each has its own peak RSS
    ("ticket", "csv_ticket"), ("department", "csv_dept"), ("seller", "csv_seller"), ("dashboard", "dashboard"))


STEPS = ("reads", "submissions", "bare", "sweep", "csv")  # what --skip can leave out


class OutOfTime(Exception):
    """The run's time budget is spent: the remaining steps are skipped."""


class StepFailed(Exception):
    pass


# --- processes -------------------------------------------------------------------------------------

class Processes:
    """Every child is started in its own session so it can be stopped with whatever it spawned
    (gunicorn's workers); whatever is still running at exit is stopped."""

    def __init__(self) -> None:
        self.live: list[subprocess.Popen] = []

    def start(self, cmd: list[str], env: dict, log: Path | None = None, merge: bool = False,
              **kw) -> subprocess.Popen:
        """Output to pipes (stderr merged into stdout with merge=True), or both into the file `log`."""
        if log is None:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                                    start_new_session=True, **kw)
        else:
            with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
                proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True, **kw)
        self.live.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 10.0) -> None:
        if proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if proc in self.live:
            self.live.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.live):
            self.stop(proc, grace=3.0)


PROCS = Processes()
atexit.register(PROCS.stop_all)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


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


def run(cmd: list[str], env: dict, timeout: float, what: str) -> tuple[str, float]:
    """Run a command to completion; returns (output, seconds). A timeout stops it and fails the step."""
    started = time.perf_counter()
    proc = PROCS.start(cmd, env, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        PROCS.stop(proc, grace=3)
        raise StepFailed(f"{what}: timed out after {timeout:.0f} s") from None
    finally:
        PROCS.stop(proc)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join((err or out or "").strip().splitlines()[-5:])
        raise StepFailed(f"{what}: exit {proc.returncode}: {tail}")
    return out, seconds


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise StepFailed(f"server exited with {proc.returncode} before answering {url}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise StepFailed(f"no answer from {url} within {timeout:.0f} s")


# --- figures ---------------------------------------------------------------------------------------

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


@dataclass
class Load:
    ok: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    post_seconds: list[float] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # CPU seconds of the server's processes over the timed part

    def add(self, other: Load) -> None:
        """Take in another round's figures."""
        self.ok += other.ok
        self.seconds += other.seconds
        self.statuses.update(other.statuses)
        self.post_seconds += other.post_seconds
        self.get_seconds += other.get_seconds
        self.server_cpu += other.server_cpu

    @property
    def cpu_ms_per_submission(self) -> float:
        return self.server_cpu * 1000 / self.ok if self.ok else 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def bad(self) -> str:
        """Responses outside 2xx/3xx and transport errors, e.g. '0' or 'POST 500×3, GET 429×1'."""
        bad = {k: v for k, v in self.statuses.items() if not (isinstance(k[1], int) and k[1] < 400)}
        if not bad:
            return "0"
        return ", ".join(f"{m} {code}×{n}" for (m, code), n in sorted(bad.items(), key=str))


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
    wanted, total, found = {pid}, 0.0, True
    while found:
        found = False
        for child, (ppid, _cpu) in stats.items():
            if ppid in wanted and child not in wanted:
                wanted.add(child)
                found = True
    for member in wanted:
        total += stats.get(member, (0, 0.0))[1]
    return total


def drive(pair, clients: int, seconds: float, server_pid: int | None = None) -> Load:
    """`clients` threads, each with its own requests.Session, repeating pair(session, n) -> (get
    status, post status, post seconds) for `seconds`; one untimed pair per client first (warm-up).
    With `server_pid`, also the server's CPU seconds over the timed part (`Load.server_cpu`)."""
    load, lock = Load(), threading.Lock()
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def worker(n: int) -> None:
        with requests.Session() as session:
            try:
                pair(session, n)
            except requests.RequestException:
                pass
            try:
                barrier.wait(timeout=120)
            except threading.BrokenBarrierError:
                return
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    get_code, post_code, post_s = pair(session, n)
                except requests.RequestException as exc:
                    get_code, post_code, post_s = None, type(exc).__name__, None
                get_s = time.perf_counter() - started - (post_s or 0)
                with lock:
                    if get_code == 200:
                        load.get_seconds.append(get_s)
                    if get_code is not None:
                        load.statuses["GET", get_code] += 1
                    if post_code is not None:
                        load.statuses["POST", post_code] += 1
                    if post_code == 303:
                        load.ok += 1
                    if post_s is not None:
                        load.post_seconds.append(post_s)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    try:
        barrier.wait(timeout=150)
    except threading.BrokenBarrierError:
        stop.set()
        raise StepFailed("clients did not finish their warm-up") from None
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    started = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    load.seconds = time.monotonic() - started
    if server_pid:
        load.server_cpu = tree_cpu_seconds(server_pid) - cpu_before
    return load


def submit(session: requests.Session, url: str, csrf: str, key: str, tracking: str, i: int):
    """POST one seller submission as multipart/form-data with no file, as a browser sends the form;
    returns (status, seconds). The redirect is not followed."""
    fields = {"csrf_token": csrf, "submission_key": key, "category": CATEGORIES[i % len(CATEGORIES)],
              "tracking_numbers": tracking, "description": DESCRIPTIONS[i % len(DESCRIPTIONS)],
              "contact_phone": "0901234567"}
    started = time.perf_counter()
    answer = session.post(url, files={k: (None, v) for k, v in fields.items()}, allow_redirects=False, timeout=30)
    return answer.status_code, time.perf_counter() - started


def numbering():
    """A thread-safe source of 0, 1, 2, … shared by the clients of one drive."""
    counter, lock = iter(range(10**9)), threading.Lock()

    def next_number() -> int:
        with lock:
            return next(counter)

    return next_number


def portal_pair(base: str, links: list[str]):
    number = numbering()

    def pair(session: requests.Session, n: int):
        path = links[n % len(links)]
        page = session.get(base + path, timeout=30)
        if page.status_code != 200:
            return page.status_code, None, None
        csrf, key = CSRF_RE.search(page.text), KEY_RE.search(page.text)
        if not csrf or not key:
            return "GET no-form", None, None
        i = number()
        status, seconds = submit(session, base + path + "/tickets", csrf.group(1), key.group(1),
                                 f"NVBENCH{n:02d}{i:07d}", i)
        return 200, status, seconds

    return pair


def posts_only(base: str, form_path: str | list[str], post_suffix: str = "/tickets"):
    """Submissions without the form page: each client loads its form once (its CSRF token), then
    only POSTs, each with a new submission key. What the submission endpoint alone sustains."""
    paths = [form_path] if isinstance(form_path, str) else form_path
    number = numbering()
    tokens: dict[int, str] = {}

    def post(session: requests.Session, n: int):
        path = paths[n % len(paths)]
        if n not in tokens:
            page = session.get(base + path, timeout=30)
            if page.status_code != 200:
                return page.status_code, None, None
            csrf = CSRF_RE.search(page.text)
            tokens[n] = csrf.group(1) if csrf else ""
        i = number()
        status, seconds = submit(session, base + path + post_suffix, tokens[n], uuid.uuid4().hex,
                                 f"NVPOST{n:02d}{i:07d}", i)
        return None, status, seconds

    return post


def bare_pair(base: str):
    def pair(session: requests.Session, n: int):
        page = session.get(base + "/t", timeout=30)
        if page.status_code != 200:
            return page.status_code, None, None
        csrf, key = CSRF_RE.search(page.text), KEY_RE.search(page.text)
        status, seconds = submit(session, base + "/t", csrf.group(1) if csrf else "", key.group(1) if key else "",
                                 f"NVBENCH{n:02d}", n)
        return 200, status, seconds

    return pair


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    csrf = CSRF_RE.search(page.text)
    if not csrf:
        raise StepFailed(f"GET /login: {page.status_code}, no csrf_token")
    answer = session.post(base + "/login", data={"email": MANAGER, "password": PASSWORD, "csrf_token": csrf.group(1)},
                          allow_redirects=False, timeout=30)
    if answer.status_code not in (302, 303):
        raise StepFailed(f"POST /login answered {answer.status_code}")
    return session


def latency(session: requests.Session, urls: list[str], samples: int, cap_seconds: float) -> tuple[list[float], int]:
    """Sequential GETs of urls (cycled) until `samples` or `cap_seconds`; returns (seconds of the 200s, failures)."""
    for url in (urls * 4)[:4]:  # warm both workers, untimed
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


# --- one database × one size -----------------------------------------------------------------------

@dataclass
class Options:
    quick: bool
    duration: float
    clients: int
    samples: int
    pg_url: str
    keep: bool
    skip: frozenset = frozenset()
    reuse: bool = False  # keep each database and reuse one that already holds the size's tickets
    data_dir: Path = Path(tempfile.gettempdir()) / "portal-bench-data"  # where --reuse keeps the SQLite files


class Run:
    def __init__(self, kind: str, size: int, opts: Options, budget: Budget) -> None:
        self.kind, self.size, self.opts, self.budget = kind, size, opts, budget
        self.cells: dict[str, str] = {}
        self.raw: dict = {"db": kind, "tickets": size}
        self.tmp = Path(tempfile.mkdtemp(prefix=f"portal-bench-{kind}-"))
        self.logs = RESULTS / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.tag = f"{kind}-{size_label(size)}"
        self.port = free_port()
        self.reused = False
        if kind == "sqlite" and opts.reuse:
            opts.data_dir.mkdir(parents=True, exist_ok=True)
            self.url = f"sqlite:///{opts.data_dir / f'portal-{size_label(size)}.sqlite3'}"
            self.bare_url = f"sqlite:///{self.tmp / 'bare.sqlite3'}"
        elif kind == "sqlite":
            self.url = f"sqlite:///{self.tmp / 'portal.sqlite3'}"
            self.bare_url = f"sqlite:///{self.tmp / 'bare.sqlite3'}"
        elif opts.reuse:  # one database per size, so that each can be reused
            pg = sa.engine.make_url(opts.pg_url)
            self.url = self.bare_url = pg.set(database=f"{pg.database}_{size_label(size).lower()}").render_as_string(
                hide_password=False)
        else:
            self.url = self.bare_url = opts.pg_url
        self.env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": SECRET_KEY,
                    "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}", "RATELIMIT_SELLER": "1000000 per minute",
                    "UPLOAD_DIR": str(self.tmp / "uploads"), "REPORTS_DIR": str(self.tmp / "reports"),
                    "FLASK_APP": "wsgi", "PYTHONUNBUFFERED": "1"}
        self.env.pop("PORTAL_ENV", None)

    # database lifecycle
    def _pg_admin(self):
        url = sa.engine.make_url(self.url)
        return url.database, sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def _generated(self) -> int:
        """Tickets `demo generate` left in this run's database (0 when there is none yet)."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    "SELECT count(*) FROM tickets WHERE routing_rule_version = 'generated'")).scalar() or 0
        except sa.exc.SQLAlchemyError:
            return 0
        finally:
            engine.dispose()

    def create_database(self) -> None:
        if self.opts.reuse and self._generated() == self.size:
            self.reused = True
            say(f"{self.tag}: reusing {self.url} ({self.size:,} generated tickets)")
            return
        if self.kind != "postgresql":
            Path(sa.engine.make_url(self.url).database).unlink(missing_ok=True)
            return
        name, admin = self._pg_admin()
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()

    def drop_database(self) -> None:
        try:
            if self.kind == "postgresql" and not self.opts.keep and not self.opts.reuse:
                name, admin = self._pg_admin()
                try:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                finally:
                    admin.dispose()
        finally:
            if self.opts.keep:
                say(f"kept {self.url} (files in {self.tmp})")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def step(self, what: str, fn) -> None:
        try:
            fn()
        except OutOfTime:
            raise
        except (StepFailed, requests.RequestException, sa.exc.SQLAlchemyError, OSError, ValueError) as exc:
            message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            say(f"{self.tag}: {what} failed: {message}")
            self.raw.setdefault("failures", []).append(f"{what}: {message}")

    def execute(self) -> None:
        say(f"=== {self.kind}, {self.size:,} tickets ===")
        try:
            self.create_database()
            self.prepare()
            self.step("generate", self.generate)
            if not {"reads", "submissions"} <= self.opts.skip:
                self.step("serve", self.serve_portal)
            if "submissions" in self.opts.skip and "bare" not in self.opts.skip:
                self.step("bare", self.bare)  # otherwise it ran in turns with the submissions
            for name, step in (("sweep", self.sweep), ("csv", self.csv)):
                if name not in self.opts.skip:
                    self.step(name, step)
        except OutOfTime:
            say(f"{self.tag}: time budget spent; remaining steps skipped")
            self.raw.setdefault("failures", []).append("time budget spent")
        except Exception as exc:  # one run's failure must not lose the other runs' figures
            message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            say(f"{self.tag}: {message}")
            self.raw.setdefault("failures", []).append(message)
        finally:
            PROCS.stop_all()
            try:
                self.drop_database()
            except sa.exc.SQLAlchemyError as exc:
                say(f"{self.tag}: could not drop the database: {exc}")

    def prepare(self) -> None:
        run([*FLASK, "db", "upgrade"], self.env, self.budget.timeout(600), "db upgrade")
        if self.reused:
            return
        out, _ = run([*FLASK, "demo", "load"], self.env, self.budget.timeout(600), "demo load")
        say(f"{self.tag}: schema ready; {out.strip().splitlines()[-1]}")

    def generate(self) -> None:
        if self.reused:
            self.cells["gen_s"] = self.cells["gen_rate"] = "reused"
            return
        # a million rows must take minutes: allow 2 ms per ticket plus start-up before calling it hung
        timeout = self.budget.timeout(120 + self.size / 500)
        say(f"{self.tag}: demo generate --tickets {self.size} (timeout {timeout:.0f} s)")
        started = time.perf_counter()
        proc = PROCS.start([*FLASK, "demo", "generate", "--tickets", str(self.size)], self.env, merge=True, text=True)
        progress: list[tuple[float, int]] = []  # (seconds since start, tickets done) per progress line
        tail: list[str] = []

        def read() -> None:
            for line in proc.stdout:
                tail[:] = [*tail[-4:], line.strip()]
                found = re.match(r"generated (\d+)/", line)
                if found:
                    progress.append((time.perf_counter() - started, int(found.group(1))))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        finally:
            PROCS.stop(proc, grace=3)
            reader.join(5)
        seconds = time.perf_counter() - started
        done = progress[-1][1] if progress else 0
        # steady rate between the first and last progress lines: without process start-up
        steady = ((progress[-1][1] - progress[0][1]) / (progress[-1][0] - progress[0][0])
                  if len(progress) > 1 and progress[-1][0] > progress[0][0] else None)
        self.raw["generate"] = {"seconds": seconds, "done": done, "rate": done / seconds, "steady_rate": steady,
                                "returncode": proc.returncode}
        if done < self.size or proc.returncode != 0:
            raise StepFailed(f"generate stopped after {seconds:.0f} s at {done:,}/{self.size:,} tickets "
                             f"({done / seconds:,.0f}/s): {' | '.join(tail[-3:]) or 'timeout'}")
        self.cells["gen_s"] = fmt_num(seconds)
        self.cells["gen_rate"] = fmt_num(self.size / seconds) + (f" (steady {fmt_num(steady)})" if steady else "")
        say(f"{self.tag}: generated {self.size:,} tickets in {seconds:.1f} s = {self.size / seconds:,.0f} rows/s"
            + (f" (steady {steady:,.0f} rows/s without start-up)" if steady else ""))

    def links(self) -> list[str]:
        procs = [(code, PROCS.start([*FLASK, "sellers", "link", code], self.env, text=True)) for code in SELLER_CODES]
        paths = []
        for code, proc in procs:
            try:
                out, _ = proc.communicate(timeout=self.budget.timeout(120))
            except subprocess.TimeoutExpired:
                raise StepFailed(f"sellers link {code}: timed out") from None
            finally:
                PROCS.stop(proc)
            if proc.returncode != 0 or not out.strip():
                raise StepFailed(f"sellers link {code}: exit {proc.returncode}")
            url = out.strip().splitlines()[-1].strip()
            paths.append(urlsplit(url).path)
        return paths

    def sample(self, n: int) -> list[tuple[str, str]]:
        """(reference, first tracking number) of n tickets spread over the generated ones."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                low, high = conn.execute(sa.text("SELECT min(id), max(id) FROM tickets")).one()
                ids = random.Random(7).sample(range(low, high + 1), min(n, high - low + 1))
                rows = conn.execute(sa.text("SELECT reference, tracking_numbers FROM tickets WHERE id IN :ids")
                                    .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}).all()
        finally:
            engine.dispose()
        return [(ref, (tn or "").split()[0] if tn else ref) for ref, tn in rows]

    def gunicorn(self, app_spec: str, port: int, env: dict, log_name: str, extra: list[str] = ()):
        cmd = [*GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}", *extra, app_spec]
        log = self.logs / f"{self.tag}-{log_name}.log"
        log.write_bytes(b"")
        proc = PROCS.start(cmd, env, log=log)
        return proc, f"http://127.0.0.1:{port}"

    def serve_portal(self) -> None:
        # the code may have gained a migration since the database was built: serve the schema it expects
        run([*FLASK, "db", "upgrade"], self.env, self.budget.timeout(600), "db upgrade")
        links = self.links()
        refs = self.sample(self.opts.samples)
        proc, base = self.gunicorn("wsgi:app", self.port, self.env, "portal")
        self.portal_pid = proc.pid
        try:
            wait_ready(base + "/healthz", proc, self.budget.timeout(90))
            if "reads" not in self.opts.skip:
                self.step("read latency", lambda: self.reads(base, refs))
            if "submissions" not in self.opts.skip:
                self.step("submissions", lambda: self.submissions(base, links))
        finally:
            PROCS.stop(proc)

    def reads(self, base: str, refs: list[tuple[str, str]]) -> None:
        session = login(base)
        cap = 10 if self.opts.quick else 90
        rng = random.Random(11)
        series = {
            "inbox_ms": [base + "/inbox"],
            "ticket_ms": [f"{base}/tickets/{ref}" for ref, _ in refs],
            "search_tracking_ms": [f"{base}/inbox?q={tn}" for _, tn in refs],
            "search_words_ms": [f"{base}/inbox?q={rng.choice(SEARCH_WORDS)}" for _ in range(20)],
            # a few tickets match and none exactly: what the word index is for (without it, a scan)
            "search_rare_ms": [f"{base}/inbox?q={tn[:-1]}" for _, tn in refs],
            "search_nomatch_ms": [f"{base}/inbox?q={w}" for w in NO_MATCH_WORDS],
        }
        for key, urls in series.items():
            timings, failures = latency(session, urls, self.opts.samples, self.budget.timeout(cap))
            self.raw[key] = {"n": len(timings), "failures": failures, "p50": pct(timings, 50) if timings else None,
                             "p95": pct(timings, 95) if timings else None}
            cell = fmt_ms(timings)
            if failures:
                cell += f" ({failures} failed)"
            if len(timings) < self.opts.samples:
                cell += f" (n={len(timings)})"
            self.cells[key] = cell
            say(f"{self.tag}: {key} p50/p95 = {fmt_ms(timings)} ms over {len(timings)} requests")
        session.close()

    def submissions(self, base: str, links: list[str]) -> None:
        """The portal's submissions, and (unless `bare` is skipped) the bare app's beside them: both
        servers up at once, driven in turn for ROUNDS rounds that share the duration."""
        with_bare = "bare" not in self.opts.skip
        bare_proc = bare_base = None
        if with_bare:
            bare_proc, bare_base = self.start_bare()
        rounds = ROUNDS if with_bare else 1
        seconds = self.opts.duration / rounds
        portal, bare, ratios = Load(), Load(), []
        posts, bare_posts = Load(), Load()
        try:
            for _ in range(rounds):
                self.budget.timeout(2 * seconds + 60)
                mine = drive(portal_pair(base, links), self.opts.clients, seconds, self.portal_pid)
                portal.add(mine)
                if with_bare:
                    theirs = drive(bare_pair(bare_base), self.opts.clients, seconds, bare_proc.pid)
                    bare.add(theirs)
                    if theirs.rate:
                        ratios.append(mine.rate / theirs.rate)
            if with_bare:  # the POSTs alone, also in turns, half as long
                for _ in range(rounds):
                    self.budget.timeout(seconds + 60)
                    posts.add(drive(posts_only(base, links), self.opts.clients, seconds / 2, self.portal_pid))
                    bare_posts.add(drive(posts_only(bare_base, "/t", ""), self.opts.clients, seconds / 2,
                                         bare_proc.pid))
        finally:
            if bare_proc is not None:
                PROCS.stop(bare_proc)
        self.raw["submissions"] = {"ok": portal.ok, "seconds": portal.seconds, "rate": portal.rate,
                                   "statuses": {f"{m} {c}": n for (m, c), n in portal.statuses.items()}}
        self.cells["sub_rate"] = fmt_num(portal.rate)
        self.cells["sub_get_ms"] = fmt_ms(portal.get_seconds)
        self.cells["sub_post_ms"] = fmt_ms(portal.post_seconds)
        self.cells["sub_errors"] = portal.bad()
        say(f"{self.tag}: portal {portal.ok} submissions in {portal.seconds:.1f} s = {portal.rate:.1f}/s; "
            f"non-2xx/3xx: {portal.bad()}")
        if with_bare:
            self.record_bare(bare, portal, ratios)
            self.raw["posts_only"] = {"portal": posts.rate, "bare": bare_posts.rate,
                                      "server_cpu_ms": {"portal": posts.cpu_ms_per_submission,
                                                        "bare": bare_posts.cpu_ms_per_submission}}
            if posts.rate and bare_posts.rate:
                self.cells["posts_only"] = (
                    f"{fmt_num(posts.rate)} / {fmt_num(bare_posts.rate)} = {posts.rate / bare_posts.rate:.2f}×; "
                    f"CPU ms {posts.cpu_ms_per_submission:.1f} / {bare_posts.cpu_ms_per_submission:.1f}; "
                    f"non-2xx/3xx {posts.bad()} / {bare_posts.bad()}")

    def start_bare(self) -> tuple[subprocess.Popen, str]:
        env = {**self.env, "BARE_DATABASE_URL": self.bare_url}
        run([PYTHON, str(BENCH / "bare_app.py"), "init"], env, self.budget.timeout(120), "bare init")
        proc, base = self.gunicorn("bare_app:app", free_port(), env, "bare", ["--pythonpath", str(BENCH)])
        try:
            wait_ready(base + "/healthz", proc, self.budget.timeout(90))
        except BaseException:
            PROCS.stop(proc)
            raise
        return proc, base

    def bare(self) -> None:
        """The bare app alone, when the portal's submissions are skipped."""
        proc, base = self.start_bare()
        try:
            self.budget.timeout(self.opts.duration + 60)
            load = drive(bare_pair(base), self.opts.clients, self.opts.duration, proc.pid)
        finally:
            PROCS.stop(proc)
        self.record_bare(load, None, [])

    def record_bare(self, load: Load, portal: Load | None, ratios: list[float]) -> None:
        self.raw["bare"] = {"ok": load.ok, "seconds": load.seconds, "rate": load.rate,
                            "statuses": {f"{m} {c}": n for (m, c), n in load.statuses.items()}}
        self.cells["bare_rate"] = fmt_num(load.rate)
        self.cells["bare_errors"] = load.bad()
        if portal and load.rate:
            ratio = portal.rate / load.rate
            self.raw["ratio"] = ratio
            self.raw["round_ratios"] = ratios
            rounds = f" (rounds {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
            self.cells["sub_ratio"] = f"{ratio:.2f}×{rounds}"
        if portal and portal.server_cpu and load.server_cpu:
            self.raw["server_cpu_ms"] = {"portal": portal.cpu_ms_per_submission, "bare": load.cpu_ms_per_submission}
            self.cells["sub_cpu"] = (f"{portal.cpu_ms_per_submission:.1f} / {load.cpu_ms_per_submission:.1f} = "
                                     f"{load.cpu_ms_per_submission / portal.cpu_ms_per_submission:.2f}×")
        say(f"{self.tag}: bare {load.ok} in {load.seconds:.1f} s = {load.rate:.1f}/s; non-2xx/3xx: {load.bad()}")

    def sweep(self) -> None:
        # one hour ahead of the clock: the first pass finds what became at risk or due in that hour
        # (what a scheduler back from an hour's outage would find), the second is the steady state
        now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
        out, _ = run([PYTHON, str(BENCH / "probes.py"), "sweep", "--now", now.isoformat()], self.env,
                     self.budget.timeout(900), "sweep probe")
        result = json.loads(out.strip().splitlines()[-1])
        self.raw["sweep"] = result
        for key, p in zip(("sweep1_s", "sweep2_s"), result["passes"], strict=True):
            marks = p["at_risk"] + p["breached"] + p["escalated"]
            self.cells[key] = f"{p['seconds']:.3f} ({marks})"
        say(f"{self.tag}: sweep at {now.isoformat()}: " + "; ".join(
            f"{p['seconds']:.3f} s at_risk={p['at_risk']} breached={p['breached']} escalated={p['escalated']}"
            for p in result["passes"]))

    def csv(self) -> None:
        """The exports over every ticket, each in a probe subprocess (bench/probes.py): wall and CPU
        seconds, rows or tickets per second, peak RSS beside the RSS after start-up."""
        for by, prefix in REPORTS:
            target = self.tmp / f"report-{by}.csv"
            probe = ["dashboard"] if by == "dashboard" else ["csv", "--by", by, "--out", str(target)]
            out, _ = run([PYTHON, str(BENCH / "probes.py"), *probe], self.env, self.budget.timeout(1800),
                         f"report {by}")
            r = json.loads(out.strip().splitlines()[-1])
            self.raw[prefix] = r
            count = r["rows"] if by == "ticket" else r["tickets"]
            rate = count / r["seconds"] if r["seconds"] else 0
            cpu_rate = count / r["cpu_seconds"] if r["cpu_seconds"] else 0
            self.cells[f"{prefix}_s"] = f"{r['seconds']:.2f}" + ("" if by == "dashboard" else f" ({r['rows']:,})")
            self.cells[f"{prefix}_rate"] = f"{fmt_num(rate)} ({fmt_num(cpu_rate)})"
            self.cells[f"{prefix}_mem"] = f"{r['peak_rss_mb']:.0f} ({r['baseline_rss_mb']:.0f})"
            say(f"{self.tag}: {by}: {count:,} {'rows' if by == 'ticket' else 'tickets'} in {r['seconds']:.2f} s "
                f"(CPU {r['cpu_seconds']:.2f} s) = {rate:,.0f}/s ({cpu_rate:,.0f} per CPU second); "
                f"peak RSS {r['peak_rss_mb']:.0f} MB (start-up {r['baseline_rss_mb']:.0f} MB)")
            target.unlink(missing_ok=True)


# --- report ----------------------------------------------------------------------------------------

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


def pg_version(url: str) -> str:
    try:
        engine = sa.create_engine(sa.engine.make_url(url).set(database="postgres"))
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except sa.exc.SQLAlchemyError:
        return "unreachable"


def table(runs: dict, columns: list[tuple[str, int]]) -> str:
    names = {"sqlite": "sqlite", "postgresql": "pg"}
    head = ["metric", *(f"{names[k]} {size_label(n)}" for k, n in columns), "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for key, label in METRICS:
        cells = []
        for col in columns:
            run_ = runs.get(col)
            cells.append(run_.cells.get(key, "failed/skipped") if run_ else "not run")
        lines.append("| " + " | ".join([label, *cells, TARGETS.get(key, "")]) + " |")
    return "\n".join(lines)


def report(runs: dict, columns: list[tuple[str, int]], info: dict, argv: list[str], seconds: float,
           opts: Options) -> str:
    failures = [f"* {run_.tag}: {f}" for run_ in runs.values() for f in run_.raw.get("failures", [])]
    notes = [
        f"# Benchmark results ({dt.datetime.now().astimezone().isoformat(timespec='seconds')})",
        "",
        f"Command: `{' '.join(['bench/run.py', *argv])}` — {seconds / 60:.1f} min. "
        f"Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram']} RAM; Python {info['python']}, "
        f"SQLite {info['sqlite']}, PostgreSQL {info.get('pg', 'n/a')}. "
        f"Load average at start {info['loadavg_start']}, at end {info.get('loadavg_end', '?')} "
        "(other work on the machine makes every figure noisy).",
        "",
        f"Submissions: {opts.clients} concurrent clients for {opts.duration:.0f} s, each a GET of the form page and a "
        "POST (multipart, redirect not followed); the bare app gets the same GET+POST pairs for as long, both "
        f"servers up at once and driven in turn ({ROUNDS} rounds; the ratio is of the totals, each round's beside it). "
        f"Latencies: up to {opts.samples} sequential requests each, logged in as {MANAGER}. "
        "Sweep: in-process, evaluated one hour ahead of the clock (marks in brackets). "
        "CSV: in-process into a file, every ticket's date range.",
        "",
        table(runs, columns),
        "",
    ]
    if failures:
        notes += ["Failures and skips:", "", *failures, ""]
    changed = info.get("changed_during_run") or []
    if changed:
        notes += [f"Warning: {len(changed)} app file(s) changed during the run, so some figures may come from "
                  f"different code versions: {', '.join(changed[:15])}{' …' if len(changed) > 15 else ''}", ""]
    return "\n".join(notes)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", help="comma separated ticket counts (default 10000; --full adds 1000000)")
    parser.add_argument("--full", action="store_true", help="also 1,000,000 tickets")
    parser.add_argument("--quick", action="store_true", help="short smoke run: 3 s of load, 15 samples")
    parser.add_argument("--duration", type=float,
                        help="seconds of submission load on each side, portal and bare (15; 3 with --quick)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--samples", type=int, help="requests per latency figure (50; 15 with --quick)")
    parser.add_argument("--budget", type=float, help="minutes for the whole run (default from the sizes)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help="PostgreSQL URL; its database is dropped and created (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases afterwards")
    parser.add_argument("--skip", default="", help=f"comma separated steps to leave out ({', '.join(STEPS)})")
    parser.add_argument("--reuse", action="store_true",
                        help="keep each database and reuse one that already holds the size's generated tickets "
                             "(SQLite files in --data-dir, PostgreSQL databases <name>_<size>)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "portal-bench-data",
                        help="where --reuse keeps the SQLite files (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in (args.sizes or "10000").split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes integers, e.g. 10000,1000000")
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs positive counts")
    args.size_list = sorted(set(sizes))
    args.skip_steps = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    if args.skip_steps - set(STEPS):
        parser.error(f"--skip takes {', '.join(STEPS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    opts = Options(quick=args.quick, duration=args.duration or (3.0 if args.quick else 15.0), clients=args.clients,
                   samples=args.samples or (15 if args.quick else 50), pg_url=args.pg_url, keep=args.keep,
                   skip=args.skip_steps, reuse=args.reuse, data_dir=args.data_dir)
    # default budget: a fixed part per run plus generation and export time proportional to the size
    default_minutes = sum((4 if args.quick else 8) + n / 20_000 for n in args.size_list) * len(kinds)
    budget = Budget((args.budget or default_minutes) * 60)
    RESULTS.mkdir(parents=True, exist_ok=True)
    info = machine()
    if "postgresql" in kinds:
        info["pg"] = pg_version(opts.pg_url)
    say(f"budget {budget.seconds / 60:.0f} min; machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram']}; "
        f"load average {info['loadavg_start']}")
    started = time.monotonic()
    started_epoch = time.time()
    runs: dict[tuple[str, int], Run] = {}
    try:
        for kind in kinds:
            for size in args.size_list:
                if budget.left() < 30:
                    say(f"time budget spent: {kind} {size:,} not run")
                    continue
                current = Run(kind, size, opts, budget)
                runs[kind, size] = current
                current.execute()
    except KeyboardInterrupt:
        say("interrupted: writing what was measured so far")
    finally:
        PROCS.stop_all()
    info["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["changed_during_run"] = changed_sources(started_epoch)
    if info["changed_during_run"]:
        say(f"warning: app files changed during the run: {', '.join(info['changed_during_run'][:10])}")
    sizes = sorted(set(args.size_list) | {10_000, 1_000_000})
    columns = [(k, n) for k in ("sqlite", "postgresql") for n in sizes]
    text = report(runs, columns, info, argv, time.monotonic() - started, opts)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    (RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.md").write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps({"machine": info, "argv": argv, "runs": [r.raw for r in
                                                     runs.values()]}, indent=2, default=str), encoding="utf-8")
    print()
    print(text)
    print(f"written to {RESULTS / 'latest.md'}")
    return 0 if runs and all(not r.raw.get("failures") for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
