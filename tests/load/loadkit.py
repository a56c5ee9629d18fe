"""Load and fault harness: the production layout (gunicorn, optionally the SLA scheduler) on a free
loopback port (tests/server.py), and a pool of seller clients that fill in
and send the troubleshooting form over real HTTP."""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import random
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.server import PortalServer, Process, ServerError

SECRET_KEY = "load-test-secret-key"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
PG_URL = os.environ.get("LOAD_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/portal_load"
SELLER_CODES = tuple(f"DEMO-{i:03d}" for i in range(1, 21))

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]*)"')
TICKET_RE = re.compile(r"^(?:https?://[^/]+)?/s/(?P<token>[^/]+)/tickets/(?P<reference>T-\d{4}-\d{4,})$")
# what must never reach a user: a Python traceback or the database driver's own words
LEAK_RE = re.compile(r"Traceback|sqlalchemy|psycopg|sqlite3|OperationalError|File \"/", re.IGNORECASE)


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """os.environ replaced by `env` for the duration (the portal's Config reads it when built)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Portal(PortalServer):
    """A migrated database with the demo data, served by gunicorn as in production (gunicorn.conf.py,
    with 2 workers x 4 threads, tests/server.py); the scheduler on request. An in-process app built
    from the same environment gives seller links and direct database access."""

    def __init__(self, tmp: Path, database_url: str) -> None:
        super().__init__(tmp, database_url, kind="gunicorn", workers=2, threads=4, env={"SECRET_KEY": SECRET_KEY})
        self.database_url = database_url
        self.services: dict[str, Process] = {}
        self._app = None

    def cli(self, *args: str, timeout: float = 120, input: str | None = None) -> str:
        try:
            return super().cli(*args, timeout=timeout, input=input)
        except ServerError as exc:
            raise AssertionError(str(exc)) from None

    def start(self) -> None:
        """Migrate, then boot gunicorn while the demo data loads (the app touches no data at start-up)."""
        self.cli("db", "upgrade")
        self.services["web"] = self.launch()
        self.cli("demo", "load")
        try:
            self.wait_ready(START_TIMEOUT)
        except ServerError as exc:
            raise AssertionError(str(exc)) from None

    def start_scheduler(self, interval: int = 5) -> Process:
        service = self.services["scheduler"] = self.spawn("scheduler", "sla", "scheduler", "--interval",
                                                          str(interval))
        return service

    def stop(self) -> None:
        super().stop()
        if self._app is not None:
            from portal.extensions import db

            with self._app.app_context():
                db.engine.dispose()

    def log(self, name: str) -> str:
        return self.services[name].text()

    # --- direct access ---------------------------------------------------------------------------
    @property
    def app(self):
        if self._app is None:
            from portal import create_app

            with environment(self.env):
                self._app = create_app()
        return self._app

    def links(self, codes: tuple[str, ...] = SELLER_CODES) -> list[str]:
        """Activation URLs, as `flask sellers link CODE` prints them."""
        from portal.extensions import db
        from portal.models import Seller
        from portal.services import links

        with self.app.app_context():
            sellers = {s.code: s for s in db.session.scalars(db.select(Seller).where(Seller.code.in_(codes)))}
            urls = [links.link_url(sellers[c], self.app.config["SECRET_KEY"], self.app.config["PUBLIC_BASE_URL"])
                    for c in codes]
            db.session.remove()
        return urls

    def query(self, sql: str, **params) -> list[tuple]:
        from sqlalchemy import text

        from portal.extensions import db

        with self.app.app_context():
            try:
                rows = [tuple(r) for r in db.session.execute(text(sql), params)]
                db.session.commit()
                return rows
            finally:
                db.session.remove()

    def scalar(self, sql: str, **params):
        return self.query(sql, **params)[0][0]


# --- the local PostgreSQL ----------------------------------------------------------------------------

def recreate_pg_database(url: str) -> None:
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {target.render_as_string()}: {exc.orig}")
    finally:
        admin.dispose()


def pg_cluster() -> list[str]:
    """pg_ctlcluster's version and cluster name for the local server."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        pytest.skip("no local PostgreSQL cluster (/etc/postgresql) to restart")
    return [versions[-1], "main"]


def pg_ctl(action: str, timeout: float = 60) -> None:
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *pg_cluster(), action],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"pg_ctlcluster {action} failed:\n{result.stdout}\n{result.stderr}"


def pg_ensure_running() -> None:
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-t", "5"]).returncode != 0:
        pg_ctl("start")


# --- the seller clients -------------------------------------------------------------------------------

@dataclasses.dataclass
class Call:
    method: str
    what: str  # form | submit | retry | double
    started: float
    ended: float
    status: int | None = None
    error: str | None = None
    leak: bool = False  # an error page that shows internals
    body: str = ""  # the start of a 5xx answer


@dataclasses.dataclass
class Submission:
    n: int
    link: str
    key: str
    location: str | None = None
    repeat: str | None = None  # "retry" (sent again after the answer) or "double" (sent twice at once)
    repeat_locations: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class LoadResult:
    clients: int
    elapsed: float
    calls: list[Call]
    submissions: list[Submission]
    problems: list[str]

    @property
    def statuses(self) -> Counter:
        return Counter((c.method, c.status if c.error is None else c.error) for c in self.calls)

    @property
    def completed(self) -> list[Submission]:
        return [s for s in self.submissions if s.location]

    @property
    def locations(self) -> set[str]:
        return {s.location for s in self.completed}

    def summary(self, label: str) -> str:
        done = len(self.completed)
        return (f"{label}: {done} submissions ({len(self.calls)} requests) from {self.clients} clients in "
                f"{self.elapsed:.1f} s = {done / self.elapsed:.1f} submissions/s, "
                f"{len(self.calls) / self.elapsed:.1f} requests/s; "
                f"retries {sum(s.repeat == 'retry' for s in self.submissions)}, "
                f"double clicks {sum(s.repeat == 'double' for s in self.submissions)}; "
                f"statuses {dict(sorted(self.statuses.items(), key=str))}")


class _Client:
    """One seller's browser: a requests.Session, the form fetched before every submission."""

    def __init__(self, index: int, run: _Run) -> None:
        self.run, self.rng = run, random.Random(run.seed * 1000 + index)
        self.session = requests.Session()

    def _call(self, method: str, what: str, url: str, session: requests.Session | None = None,
              **kwargs) -> requests.Response | None:
        call = Call(method, what, time.monotonic(), 0.0)
        response = None
        try:
            response = (session or self.session).request(method, url, timeout=REQUEST_TIMEOUT,
                                                         allow_redirects=False, **kwargs)
            call.status = response.status_code
            if response.status_code >= 500:
                call.leak, call.body = bool(LEAK_RE.search(response.text)), response.text[:2000]
        except requests.RequestException as exc:
            call.error = type(exc).__name__
        call.ended = time.monotonic()
        self.run.record(call)
        return response

    def _form(self, link: str) -> dict[str, str] | None:
        response = self._call("GET", "form", link)
        if response is None or response.status_code != 200:
            return None
        csrf, key = CSRF_RE.search(response.text), KEY_RE.search(response.text)
        if not (csrf and key and key.group(1)):
            self.run.problem(f"the form at {link} has no csrf_token or submission_key")
            return None
        return {"csrf_token": csrf.group(1), "submission_key": key.group(1)}

    def _post(self, sub: Submission, data: dict, what: str, session=None) -> str | None:
        response = self._call("POST", what, sub.link + "/tickets", session=session, data=data)
        if response is None:
            return None
        location = response.headers.get("Location", "")
        if response.status_code == 303 and TICKET_RE.match(location):
            if TICKET_RE.match(location)["token"] != sub.link.rsplit("/", 1)[-1]:
                self.run.problem(f"submission {sub.n} was sent to another seller's ticket: {location}")
            return location
        if response.status_code < 500:
            self.run.problem(f"submission {sub.n} ({what}) answered {response.status_code} {location!r}: "
                             f"{response.text[:300]!r}")
        return None

    def _double(self, sub: Submission, data: dict) -> tuple[str | None, str | None]:
        """Two POSTs of one form at the same moment, on two connections (a double click)."""
        twin = requests.Session()
        twin.cookies.update(self.session.cookies)
        other: list[str | None] = [None]
        thread = threading.Thread(target=lambda: other.__setitem__(0, self._post(sub, data, "double", twin)))
        try:
            thread.start()
            first = self._post(sub, data, "submit")
            thread.join(REQUEST_TIMEOUT + 5)
        finally:
            twin.close()
        return first, other[0]

    def submit(self, n: int, link: str) -> Submission | None:
        run = self.run
        form = self._form(link)
        while form is None and run.patient and run.go():
            time.sleep(run.pause)
            form = self._form(link)
        if form is None:
            return None
        data = {**form, "category": "delivery_delay", "tracking_numbers": f"NVLOAD{n:07d}, NVX{n:07d}",
                "description": f"Load test parcel {n}: not picked up since yesterday.",
                "contact_phone": "0912345678"}
        sub = Submission(n, link, form["submission_key"])
        roll = self.rng.random()
        sub.repeat = "double" if roll < run.double_share else "retry" if roll < run.repeat_share else None
        if sub.repeat == "double":
            sub.location, second = self._double(sub, data)
            if second:
                sub.repeat_locations.append(second)
        else:
            sub.location = self._post(sub, data, "submit")
        # a form whose answer was lost is sent again, as a browser retry would: it must not make a second ticket
        while sub.location is None and run.patient and run.go():
            time.sleep(run.pause)
            sub.location = self._post(sub, data, "retry")
        if sub.repeat == "retry" and sub.location:
            again = self._post(sub, data, "retry")
            if again:
                sub.repeat_locations.append(again)
        return sub

    def loop(self) -> None:
        run = self.run
        try:
            while run.go():
                n = run.next_number()
                if n is None:
                    return
                sub = self.submit(n, run.links[n % len(run.links)])
                if sub is not None:
                    run.done(sub)
                elif run.patient:
                    time.sleep(run.pause)
        except Exception as exc:  # noqa: BLE001 - a client bug must fail the test, not vanish in a thread
            run.problem(f"client crashed: {type(exc).__name__}: {exc}")
        finally:
            self.session.close()


class _Run:
    def __init__(self, links: list[str], total: int | None, duration: float, seed: int, repeat_share: float,
                 double_share: float, patient: bool, stop: threading.Event) -> None:
        self.links, self.total, self.seed, self.patient = links, total, seed, patient
        self.repeat_share, self.double_share, self.pause = repeat_share, double_share, 0.2
        self.deadline = time.monotonic() + duration
        self.stop = stop
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self.calls: list[Call] = []
        self.submissions: list[Submission] = []
        self.problems: list[str] = []

    def go(self) -> bool:
        return not self.stop.is_set() and time.monotonic() < self.deadline

    def next_number(self) -> int | None:
        with self._lock:
            n = next(self._numbers)
        return None if self.total is not None and n >= self.total else n

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def done(self, sub: Submission) -> None:
        with self._lock:
            self.submissions.append(sub)

    def problem(self, text: str) -> None:
        with self._lock:
            if len(self.problems) < 50:
                self.problems.append(text)


def run_load(links: list[str], *, total: int | None, duration: float, clients: int = 16, seed: int = 1,
             repeat_share: float = 0.05, double_share: float = 0.01, patient: bool = False,
             stop: threading.Event | None = None, during: Callable[[Callable[[], bool]], None] | None = None,
             ) -> LoadResult:
    """`clients` threads submit forms until `total` are sent (None: no count) or `duration` seconds
    pass or `stop` is set. ~`repeat_share` of the forms are sent a second time, a `double_share` of
    them as a double click (two POSTs at once), the rest as a retry after the first answer.
    `patient` clients retry a failed request (same form, same submission key) until it succeeds.
    `during(clients_running)` runs in the calling thread while the clients work."""
    run = _Run(links, total, duration, seed, repeat_share, double_share, patient, stop or threading.Event())
    workers = [threading.Thread(target=_Client(i, run).loop, name=f"seller-client-{i}", daemon=True)
               for i in range(clients)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    try:
        if during is not None:
            during(lambda: any(w.is_alive() for w in workers))
    except BaseException:
        run.stop.set()
        raise
    finally:
        for worker in workers:
            worker.join(max(0.0, run.deadline - time.monotonic()) + REQUEST_TIMEOUT * 3)
        run.stop.set()
    hung = [w.name for w in workers if w.is_alive()]
    if hung:
        run.problem(f"clients still running after the deadline: {hung}")
    return LoadResult(clients, time.monotonic() - started, run.calls, run.submissions, run.problems)


def check_ledger(portal: Portal, result: LoadResult, before: set[str]) -> None:
    """Nothing lost, nothing doubled: the tickets created during the run are exactly the distinct
    tickets the clients were sent to, each from its own form, and a form sent twice gave one ticket."""
    for sub in result.completed:
        for other in sub.repeat_locations:
            assert other == sub.location, f"form {sub.key} sent twice gave two tickets: {sub.location} and {other}"
    by_key: dict[str, set[str]] = {}
    for sub in result.completed:
        by_key.setdefault(sub.key, set()).add(sub.location)
    assert all(len(v) == 1 for v in by_key.values()), "one form led to several tickets"
    refs = {TICKET_RE.match(loc)["reference"] for loc in result.locations}
    assert len(refs) == len(result.locations) == len(by_key), \
        f"{len(by_key)} forms were answered with {len(result.locations)} distinct tickets"
    rows = portal.query("SELECT reference, submission_key FROM tickets")
    new = {ref: key for ref, key in rows if ref not in before}
    assert len(new) == len(refs), (f"{len(new)} tickets were stored, {len(refs)} submissions were acknowledged "
                                   f"(missing {sorted(refs - set(new))[:5]}, unacknowledged "
                                   f"{sorted(set(new) - refs)[:5]})")
    assert set(new) == refs
    keys = {TICKET_RE.match(s.location)["reference"]: s.key for s in result.completed}
    assert all(new[ref] == key for ref, key in keys.items()), "a ticket carries another form's submission key"


def references(portal: Portal) -> set[str]:
    return {r for (r,) in portal.query("SELECT reference FROM tickets")}
