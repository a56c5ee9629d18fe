"""In-process measurements for bench/run.py, one per subprocess (so start-up is not timed and each
report gets its own peak-memory figure). Reads DATABASE_URL like the app; prints one JSON object.

    DATABASE_URL=... python bench/probes.py sweep --now 2026-11-23T10:00:00+00:00
    DATABASE_URL=... python bench/probes.py csv --by ticket --out /tmp/report.csv
    DATABASE_URL=... python bench/probes.py dashboard
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _app():
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    ctx = app.app_context()
    ctx.push()
    db.session.execute(db.text("SELECT 1"))  # connect (and set SQLite pragmas) before any timing
    db.session.commit()
    return app


def sweep(now_raw: str, passes: int) -> dict:
    from portal.extensions import db
    from portal.services import sla_jobs

    _app()
    now = dt.datetime.fromisoformat(now_raw)
    out = {"now": now.isoformat(), "passes": []}
    for _ in range(passes):
        started = time.perf_counter()
        result = sla_jobs.sweep(now, dt.timedelta(hours=2))
        seconds = time.perf_counter() - started
        out["passes"].append({"seconds": seconds, "at_risk": result.at_risk, "breached": result.breached,
                              "escalated": result.escalated})
        db.session.remove()
    return out


def _report_range():
    """The app, and the local days from the first ticket's to today: every ticket's range."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Ticket
    from portal.services.runtime import runtime, utcnow

    _app()
    rt = runtime()
    first, last = db.session.execute(select(func.min(Ticket.created_at), func.max(Ticket.created_at))).one()
    tickets = db.session.scalar(select(func.count(Ticket.id)))
    db.session.commit()
    from_model = first.astimezone(rt.timezone).date() if first else dt.date.today()
    to_model = max(last.astimezone(rt.timezone).date() if last else dt.date.today(),
                   utcnow().astimezone(rt.timezone).date())
    return rt, from_model, to_model, tickets


def csv_report(by: str, out_path: str) -> dict:
    """reports.sla_csv over every ticket into a file: wall and CPU seconds, rows, peak RSS."""
    from portal.services import reports
    from portal.services.runtime import utcnow

    rt, from_model, to_model, tickets = _report_range()
    baseline = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    rows = -1  # the header line is not a row
    size = 0
    with open(out_path, "w", encoding="utf-8", newline="") as f:
        for chunk in reports.sla_csv(from_model, to_model, by, now=utcnow(), timezone=rt.timezone):
            rows += chunk.count("\r\n")
            size += len(chunk)
            f.write(chunk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"by": by, "from": from_model.isoformat(), "to": to_model.isoformat(), "tickets": tickets,
            "rows": max(rows, 0), "chars": size, "seconds": seconds, "cpu_seconds": cpu,
            "baseline_rss_mb": baseline, "peak_rss_mb": _maxrss_mb()}


def dashboard_report() -> dict:
    """reports.dashboard (every chart and table of /reports) over every ticket."""
    from portal.services import reports
    from portal.services.runtime import utcnow

    rt, from_model, to_model, tickets = _report_range()
    baseline = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    data = reports.dashboard(from_model, to_model, now=utcnow(), timezone=rt.timezone)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"by": "dashboard", "from": from_model.isoformat(), "to": to_model.isoformat(), "tickets": tickets,
            "rows": int(data.totals["tickets"]), "seconds": seconds, "cpu_seconds": cpu,
            "baseline_rss_mb": baseline, "peak_rss_mb": _maxrss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="probe", required=True)
    p_sweep = sub.add_parser("sweep", help="time sla_jobs.sweep in-process")
    p_sweep.add_argument("--now", required=True, help="ISO 8601 instant with offset")
    p_sweep.add_argument("--passes", type=int, default=2)
    p_csv = sub.add_parser("csv", help="time reports.sla_csv over every ticket into a file")
    p_csv.add_argument("--by", required=True)
    p_csv.add_argument("--out", required=True)
    sub.add_parser("dashboard", help="time reports.dashboard over every ticket")
    args = parser.parse_args(argv)
    if args.probe == "sweep":
        result = sweep(args.now, args.passes)
    elif args.probe == "dashboard":
        result = dashboard_report()
    else:
        result = csv_report(args.by, args.out)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
