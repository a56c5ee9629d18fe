"""One benchmark database (SQLite or PostgreSQL, N generated tickets) and the portal served over it
through the one server harness (tests/server.py).

Small databases are made afresh for each run; large ones (`reuse=True`) are kept in the cache
(SQLite files in ~/.cache/portal-bench/data, PostgreSQL databases `<name>_<size>`) and used again
while they hold exactly the size's generated tickets, because generating a million takes minutes.
A step that writes into a kept database (the mixed load's submissions) works on a scratch copy of it,
so every run measures the same data."""
from __future__ import annotations

import contextlib
import copy
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.common import CACHE, ROOT, SECRET_KEY, Budget, StepFailed, say, size_label
from tests.server import PortalServer, ServerError

SELLER_CODES = ("DEMO-001", "DEMO-002", "DEMO-003", "DEMO-004")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"


def pg_admin(url: str) -> tuple[str, sa.Engine]:
    target = sa.engine.make_url(url)
    return target.database, sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")


def pg_admin_run(url: str, *statements: str) -> None:
    """Run `statements` (DROP/CREATE DATABASE …) on the server of `url`, from its `postgres` database."""
    _name, admin = pg_admin(url)
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def pg_version(url: str) -> str:
    try:
        _name, engine = pg_admin(url)
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except sa.exc.SQLAlchemyError:
        return "unreachable"


class BenchDatabase:
    def __init__(self, kind: str, size: int, budget: Budget, *, pg_url: str = DEFAULT_PG_URL, reuse: bool = False,
                 keep: bool = False, fresh: bool = False) -> None:
        """`reuse`: kept in the cache and used again while it holds `size` generated tickets;
        `fresh` generates a reused one again (and keeps it); `keep`: never dropped."""
        self.kind, self.size, self.budget, self.reuse, self.keep = kind, size, budget, reuse, keep
        self.fresh = fresh
        self.tag = f"{kind}-{size_label(size)}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f"portal-bench-{self.tag}-"))
        if kind == "sqlite":
            folder = CACHE / "data" if reuse else self.tmp
            folder.mkdir(parents=True, exist_ok=True)
            self.url = f"sqlite:///{folder / f'portal-{size_label(size)}.sqlite3'}"
        else:
            pg = sa.engine.make_url(pg_url)
            name = f"{pg.database}_{size_label(size).lower()}"
            self.url = pg.set(database=name).render_as_string(hide_password=False)
        self.reused = False
        self.generate_seconds: float | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------
    def server(self, name: str = "portal", workers: int = 2, threads: int = 1, **env: str) -> PortalServer:
        """The portal over this database (not started); its commands share its environment."""
        return PortalServer(self.tmp, self.url, kind="gunicorn", workers=workers, threads=threads, name=name,
                            env={"SECRET_KEY": SECRET_KEY, **env})

    def generated(self) -> int:
        """Tickets `demo generate` left in this database (0 when there is none yet)."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    "SELECT count(*) FROM tickets WHERE routing_rule_version = 'generated'")).scalar() or 0
        except sa.exc.SQLAlchemyError:
            return 0
        finally:
            engine.dispose()

    def tickets(self) -> int:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM tickets")).scalar() or 0
        finally:
            engine.dispose()

    def ensure(self) -> None:
        """A migrated database with the demo data and `size` generated tickets."""
        if self.reuse and not self.fresh and self.generated() == self.size:
            self.reused = True
            say(f"{self.tag}: reusing {self.url} ({self.size:,} generated tickets)")
            self.server().cli("db", "upgrade", timeout=self.budget.timeout(600))
            self.vacuum()
            return
        self.create()
        server = self.server()
        server.cli("db", "upgrade", timeout=self.budget.timeout(600))
        out = server.cli("demo", "load", timeout=self.budget.timeout(600))
        say(f"{self.tag}: schema ready; {out.strip().splitlines()[-1]}")
        self.generate(server)

    def vacuum(self) -> None:
        """PostgreSQL: VACUUM ANALYZE what earlier runs wrote into a kept database, so that each run
        starts from fresh statistics and visibility maps even where autovacuum is off (this machine's
        CI configuration turns it off)."""
        if self.kind != "postgresql":
            return
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        finally:
            engine.dispose()

    def create(self) -> None:
        if self.kind == "sqlite":
            path = Path(sa.engine.make_url(self.url).database)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        name = sa.engine.make_url(self.url).database
        pg_admin_run(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')

    @contextlib.contextmanager
    def scratch_copy(self, label: str = "scratch") -> Iterator[BenchDatabase]:
        """A copy of this database, dropped afterwards: what a step writes (thousands of tickets a
        minute under the mixed load, all open and assigned) never reaches the kept database, whose
        later runs would otherwise route, count and list more open tickets each time."""
        clone = copy.copy(self)
        clone.tag, clone.reuse, clone.keep = f"{self.tag}-{label}", False, False
        clone.tmp = Path(tempfile.mkdtemp(prefix=f"portal-bench-{clone.tag}-"))
        started = time.perf_counter()
        if self.kind == "sqlite":
            source = Path(sa.engine.make_url(self.url).database)
            target = clone.tmp / source.name
            shutil.copyfile(source, target)  # the servers are stopped: the WAL has been checkpointed into it
            clone.url = f"sqlite:///{target}"
        else:
            name = sa.engine.make_url(self.url).database
            clone.url = sa.engine.make_url(self.url).set(database=f"{name}_{label}").render_as_string(
                hide_password=False)
            # FILE_COPY: a gigabyte copied as files, not written through the WAL
            pg_admin_run(self.url, f'DROP DATABASE IF EXISTS "{name}_{label}" WITH (FORCE)',
                         f'CREATE DATABASE "{name}_{label}" TEMPLATE "{name}" STRATEGY FILE_COPY')
        say(f"{clone.tag}: copied in {time.perf_counter() - started:.1f} s")
        try:
            yield clone
        finally:
            clone.drop()

    def drop(self) -> None:
        """The database goes unless it is kept for reuse (or `keep`); the temporary folder always."""
        try:
            if self.kind == "postgresql" and not (self.keep or self.reuse):
                name = sa.engine.make_url(self.url).database
                pg_admin_run(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def generate(self, server: PortalServer) -> None:
        # a million rows must take minutes: allow 2 ms per ticket plus start-up before calling it hung
        timeout = self.budget.timeout(120 + self.size / 500)
        say(f"{self.tag}: demo generate --tickets {self.size} (timeout {timeout:.0f} s)")
        started = time.perf_counter()
        proc = subprocess.Popen(server.flask("demo", "generate", "--tickets", str(self.size)), cwd=ROOT,
                                env=server.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        tail: list[str] = []
        done = [0]

        def read() -> None:
            for line in proc.stdout:
                tail[:] = [*tail[-4:], line.strip()]
                found = re.match(r"generated (\d+)/", line)
                if found:
                    done[0] = int(found.group(1))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        reader.join(5)
        seconds = time.perf_counter() - started
        if proc.returncode != 0 or self.generated() < self.size:
            raise StepFailed(f"generate stopped after {seconds:.0f} s at {done[0]:,}/{self.size:,} tickets: "
                             f"{' | '.join(tail[-3:]) or 'timeout'}")
        self.generate_seconds = seconds
        say(f"{self.tag}: generated {self.size:,} tickets in {seconds:.1f} s = {self.size / seconds:,.0f}/s")

    # --- what the clients need ---------------------------------------------------------------------------
    def links(self, server: PortalServer, codes: tuple[str, ...] = SELLER_CODES) -> list[str]:
        """Seller link paths (/s/<token>), from `flask sellers link CODE` (its last line)."""
        procs = [(code, server.cli_background("sellers", "link", code)) for code in codes]
        paths = []
        for code, proc in procs:
            try:
                out, err = proc.communicate(timeout=self.budget.timeout(120))
            except subprocess.TimeoutExpired:
                proc.kill()
                raise StepFailed(f"sellers link {code}: timed out") from None
            if proc.returncode != 0 or not out.strip():
                raise StepFailed(f"sellers link {code}: exit {proc.returncode}: {err.strip()[-300:]}")
            paths.append(urlsplit(out.strip().splitlines()[-1].strip()).path)
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


def start(server: PortalServer, budget: Budget) -> PortalServer:
    """Start a server within the budget; a failure to start is a failed step, with the log's end."""
    try:
        return server.start(timeout=budget.timeout(90))
    except ServerError as exc:
        raise StepFailed(str(exc)[:600]) from None
