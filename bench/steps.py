"""The measurements of one `make bench` run, each filling `Figures` (bench/floors.py) and the raw
record. Every server comes from the one harness (tests/server.py) and is stopped by the step that
started it, whatever happens."""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from bench import peer
from bench.clients import WrkResult, latency, login, mixed_load, prep_form, server_times, summary, wrk
from bench.common import (
    BENCH,
    PYTHON,
    RESULTS,
    Budget,
    StepFailed,
    machine_cpu_seconds,
    say,
    size_label,
    tree_cpu_seconds,
)
from bench.database import BenchDatabase, start
from bench.floors import Figures
from tests.server import PortalServer


@dataclass
class Options:
    small: int  # tickets behind the submission figures
    big: int  # tickets behind the read, export, sweep and mixed-load figures
    wrk_seconds: float
    rounds: int
    samples: int
    agents: int
    sellers_per_s: float
    mixed_seconds: float
    mixed_workers: int
    pg_url: str
    fresh: bool


def probe(server: PortalServer, budget: Budget, *args: str, timeout: float = 1800) -> dict:
    """bench/probes.py ARGS in the server's environment (same database): its JSON answer."""
    result = subprocess.run([PYTHON, str(BENCH / "probes.py"), *args], env=server.env, capture_output=True, text=True,
                            timeout=budget.timeout(timeout))
    if result.returncode != 0:
        raise StepFailed(f"probe {args[0]}: {result.stderr.strip()[-400:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _bare_rows(url: str) -> Callable[[], int]:
    import sqlalchemy as sa

    def count() -> int:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM bench_bare_rows")).scalar()
        finally:
            engine.dispose()

    return count


def submissions(opts: Options, budget: Budget, figures: Figures, raw: dict) -> None:
    """Portal, bare app and django-helpdesk side by side, each on SQLite with gunicorn 2 sync workers,
    `wrk -t2 -c8` posting a real form; in turns (`rounds` rounds), so that other work on the machine
    weighs on all three alike. Submissions are rows stored, counted in each database."""
    column = f"sqlite {size_label(opts.small)}"
    db = BenchDatabase("sqlite", opts.small, budget)
    servers: list = []
    try:
        db.ensure()
        portal = db.server("portal", workers=2)
        links = db.links(portal)
        servers.append(start(portal, budget))
        bare = PortalServer(db.tmp, f"sqlite:///{db.tmp / 'bare.sqlite3'}", app="bare_app:app", pythonpath=[BENCH],
                            workers=2, name="bare")
        subprocess.run([PYTHON, str(BENCH / "bare_app.py"), "init"], env=bare.env, check=True, timeout=120)
        servers.append(start(bare, budget))
        peer.prepare(opts.small, budget)
        other = peer.Peer(db.tmp).start(budget)
        servers.append(other)
        totals = {"portal": [], "bare": [], "peer": []}
        form = prep_form("portal", portal.base_url, links[0])
        bare_rows = _bare_rows(bare.env["DATABASE_URL"])
        runs = {"portal": lambda s: wrk(portal.base_url, "form.lua", s, db.tickets, env=form),
                "bare": lambda s: wrk(bare.base_url + "/t", "bare_post.lua", s, bare_rows),
                "peer": other.submissions}
        for run in runs.values():  # warm-up, untimed: every worker has loaded its code and connected
            run(1)
        for n in range(opts.rounds):
            budget.timeout(3 * opts.wrk_seconds + 120)
            for name, run in runs.items():
                totals[name].append(run(opts.wrk_seconds))
                say(f"submissions round {n + 1}, {name}: {totals[name][-1].describe()}")
        rates = {name: _total_rate(results) for name, results in totals.items()}
        raw["submissions"] = {name: [vars(r) for r in results] for name, results in totals.items()}
        raw["peer_tickets"] = peer.tickets()
        figures.put("sub_vs_peer", column, rates)
        figures.put("sub_vs_bare", column, rates)
    except StepFailed as exc:
        figures.fail("sub_vs_peer", column, str(exc)[:200])
        figures.fail("sub_vs_bare", column, str(exc)[:200])
        say(f"submissions failed: {exc}")
    finally:
        for server in reversed(servers):
            server.stop()
        _keep_logs(db, "submissions")
        db.drop()


def _total_rate(results: list[WrkResult]) -> float:
    seconds = sum(r.seconds for r in results)
    return sum(r.stored for r in results) / seconds if seconds else 0.0


def _keep_logs(db: BenchDatabase, step: str) -> None:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for log in db.tmp.glob("*.log"):
        (logs / f"{db.tag}-{step}-{log.name}").write_bytes(log.read_bytes())


def large(kind: str, opts: Options, budget: Budget, figures: Figures, raw: dict, skip: frozenset) -> None:
    """At `big` tickets on one database: the staff list, the CSV export, the sweep, the mixed load."""
    column = f"{'sqlite' if kind == 'sqlite' else 'pg'} {size_label(opts.big)}"
    db = BenchDatabase(kind, opts.big, budget, pg_url=opts.pg_url, reuse=True, fresh=opts.fresh)
    record = raw.setdefault(column, {})
    try:
        db.ensure()
        record["tickets"] = db.tickets()
        record["generate_s"] = db.generate_seconds or "reused"
        for key, name, step in (("inbox_ms", "reads", _reads), ("csv_rate", "csv", _csv), ("sweep_s", "sweep", _sweep),
                                (("mixed_inbox", "mixed_submit"), "mixed", _mixed)):
            if name in skip:
                continue
            try:
                step(db, opts, budget, figures, column, record)
            except (StepFailed, requests.RequestException, OSError, ValueError, subprocess.SubprocessError) as exc:
                message = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                for k in (key if isinstance(key, tuple) else (key,)):
                    figures.fail(k, column, message)
                say(f"{column}: {name} failed: {message}")
    except StepFailed as exc:
        for k in ("inbox_ms", "csv_rate", "sweep_s", "mixed_inbox", "mixed_submit"):
            figures.fail(k, column, str(exc)[:200])
        say(f"{column}: {exc}")
    finally:
        _keep_logs(db, "large")
        db.drop()


def _reads(db: BenchDatabase, opts: Options, budget: Budget, figures: Figures, column: str, record: dict) -> None:
    server = start(db.server("reads", workers=2), budget)
    try:
        session = login(server.base_url)
        refs = db.sample(opts.samples)
        series = {"inbox_ms": [server.base_url + "/inbox"],
                  "ticket_ms": [f"{server.base_url}/tickets/{ref}" for ref, _ in refs],
                  "search_tracking_ms": [f"{server.base_url}/inbox?q={tn}" for _, tn in refs]}
        for key, urls in series.items():
            timings, failures = latency(session, urls, opts.samples, budget.timeout(120))
            record[key] = {**summary(timings), "failures": failures}
            say(f"{column}: {key} {record[key]}")
        if record["inbox_ms"]["n"]:
            figures.put("inbox_ms", column, record["inbox_ms"])
        else:
            figures.fail("inbox_ms", column, f"{record['inbox_ms']['failures']} failed requests")
    finally:
        server.stop()


def _csv(db: BenchDatabase, opts: Options, budget: Budget, figures: Figures, column: str, record: dict) -> None:
    out = db.tmp / "report-ticket.csv"
    try:
        r = probe(db.server(), budget, "csv", "--by", "ticket", "--out", str(out))
    finally:
        out.unlink(missing_ok=True)
    value = {"rows": r["rows"], "seconds": r["seconds"], "rate": r["rows"] / r["seconds"] if r["seconds"] else 0,
             "cpu_rate": r["rows"] / r["cpu_seconds"] if r["cpu_seconds"] else 0,
             "rss_growth_mb": r["peak_rss_mb"] - r["baseline_rss_mb"], "peak_rss_mb": r["peak_rss_mb"]}
    record["csv"] = value
    say(f"{column}: csv {value}")
    figures.put("csv_rate", column, value)


def _sweep(db: BenchDatabase, opts: Options, budget: Budget, figures: Figures, column: str, record: dict) -> None:
    import datetime as dt

    # an hour ahead of the clock: pass 1 marks what became at risk or due in that hour (a scheduler back
    # from an hour's outage), pass 2 finds nothing new: the steady cost of every sweep
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    r = probe(db.server(), budget, "sweep", "--now", now.isoformat(), timeout=900)
    first = r["passes"][0]
    value = {"passes": [p["seconds"] for p in r["passes"]],
             "marks": first["at_risk"] + first["breached"] + first["escalated"]}
    record["sweep"] = r
    say(f"{column}: sweep {value}")
    figures.put("sweep_s", column, value)


def _mixed(kept: BenchDatabase, opts: Options, budget: Budget, figures: Figures, column: str, record: dict) -> None:
    # the sellers' submissions go into a copy: the kept database stays as generated for the next run
    with kept.scratch_copy("mixed") as db:
        try:
            _mixed_on(db, opts, budget, figures, column, record)
        finally:
            _keep_logs(db, "large")


def _mixed_on(db: BenchDatabase, opts: Options, budget: Budget, figures: Figures, column: str, record: dict) -> None:
    server = db.server("mixed", workers=opts.mixed_workers)
    link = db.links(server, ("DEMO-001",))[0]
    start(server, budget)
    failure = None
    try:
        # an overloaded server leaves the open-loop client a backlog to drain after the load's end
        drain = budget.timeout(4 * opts.mixed_seconds + 120)
        say(f"{column}: mixed load {opts.agents} agents/30 s + {opts.sellers_per_s:g} sellers/s + export, "
            f"{opts.mixed_seconds:.0f} s, gunicorn {opts.mixed_workers} workers")
        busy, portal_cpu, started = machine_cpu_seconds(), tree_cpu_seconds(server.pid), time.monotonic()
        try:
            result = mixed_load(server.base_url, link, agents=opts.agents, refresh=30.0,
                                sellers_per_s=opts.sellers_per_s, seconds=opts.mixed_seconds, timeout=drain)
        except (StepFailed, subprocess.TimeoutExpired) as exc:
            result, failure = {}, f"client did not finish (overloaded?): {str(exc)[:120]}"
        # where the machine's CPU went: the portal's workers, the load's client, and the rest (the
        # database server on PostgreSQL, and whatever else runs on the machine)
        result["cpu"] = {"wall_s": round(time.monotonic() - started, 1),
                         "machine_busy_s": round(machine_cpu_seconds() - busy, 1),
                         "portal_s": round(tree_cpu_seconds(server.pid) - portal_cpu, 1),
                         "client_s": result.pop("client_cpu_s", None), "cpus": os.cpu_count()}
    finally:
        server.stop()
    record["mixed"] = result
    inside = record["mixed_server"] = server_times(server.log_text(), {
        "inbox": ("GET", "/inbox"), "form": ("GET", "/s/<token>"), "post": ("POST", "/s/<token>/tickets"),
        "export": ("GET", "/reports/sla.csv")})
    say(f"{column}: mixed {json.dumps(result)}; in the server: {json.dumps(inside)}")
    for kind, server_side in (("inbox", "inbox"), ("submit", "post")):
        if kind in result:
            figures.put(f"mixed_{kind}", column, {**result[kind],
                                                   "server_p99": inside.get(server_side, {}).get("p99_ms")})
        else:
            p99 = inside.get(server_side, {}).get("p99_ms")
            figures.fail(f"mixed_{kind}", column, (failure or "no request of this kind finished")
                         + (f"; p99 inside the server {p99:.0f} ms" if p99 is not None else ""))
    if result and not result.get("export", {}).get("n"):
        record["mixed_note"] = "no export finished within the load"
