"""Parcel events applied per second through POST /api/v1/shipments/events, on SQLite and PostgreSQL.

In one process, through Flask's test client (the whole request: token check, JSON, the batch check,
the transaction), on a freshly migrated database, with open delivery-delay tickets about some of
the parcels so the delivery notices are part of the cost. Each phase posts batches of 1,000 events:

  new        events of parcels the portal has never seen (a parcel row inserted for each)
  newer      a newer event of each known parcel (its status updated; a share of them `delivered`)
  older      an older event of each known parcel (history only: the status stays)
  repeats    the `newer` batches sent again (every event ignored)
  shuffled   three events per parcel in one batch, in random order (applied by occurred_at)

    .venv/bin/python bench/shipment_feed.py [--db sqlite|postgresql|both] [--parcels N] [--pg-url URL]

Takes well under a minute at the default 10,000 parcels. The PostgreSQL database is emptied first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BATCH = 1000
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_feed"
URL = "/api/v1/shipments/events"
TICKETS = 200  # open delivery-delay tickets about the first parcels


def _number(i: int) -> str:
    return f"NVB{i:08d}"


def _event(i: int, status: str, minutes: int) -> dict:
    return {"tracking_number": _number(i), "status": status, "event": f"{status} at hub {i % 40}",
            "occurred_at": (T0 + dt.timedelta(minutes=minutes)).isoformat(), "seller_code": "DEMO-001"}


def _batches(events: list[dict]) -> list[dict]:
    return [{"events": events[start:start + BATCH]} for start in range(0, len(events), BATCH)]


def _phases(parcels: int) -> list[tuple[str, list[dict]]]:
    rng = random.Random(19)
    newer = _batches([_event(i, "delivered" if i % 5 == 0 else "in_transit", 60) for i in range(parcels)])
    shuffled: list[dict] = []
    for i in range(parcels, parcels + parcels // 3):
        shuffled += [_event(i, "created", 0), _event(i, "picked_up", 10), _event(i, "in_transit", 20)]
    rng.shuffle(shuffled)
    return [
        ("new", _batches([_event(i, "picked_up", 0) for i in range(parcels)])),
        ("newer", newer),
        ("older", _batches([_event(i, "created", -30) for i in range(parcels)])),
        ("repeats", newer),
        ("shuffled", _batches(shuffled)),
    ]


def _app(url: str, folder: str):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db

    config = TestConfig(url, folder)
    config.RATELIMIT_CARRIER_API = "1000000 per minute"
    config.TESTING = False
    app = create_app(config)
    logging.getLogger("portal.request").setLevel(logging.WARNING)  # a line per request would be the figure
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
    return app


def _world(app) -> str:
    """Demo departments, staff and sellers, open tickets about the first parcels, and a token."""
    from portal.services import demo, integration_tokens, sellers, tickets
    from portal.services.runtime import runtime

    now = dt.datetime.now(dt.UTC)
    demo.load_demo(now, runtime())
    seller = sellers.by_code("DEMO-001")
    for i in range(TICKETS):
        tickets.create_ticket(seller, tickets.NewTicket(
            category="delivery_delay", description="Đơn hàng chưa được giao sau ba ngày.",
            tracking_numbers=(_number(i * 5),), contact_phone=None, submission_key=None), now=now, rt=runtime())
    raw, _row = integration_tokens.issue("bench", actor="bench", now=now)
    return raw


def _ensure_pg(url: str) -> None:
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def run(kind: str, url: str, parcels: int) -> list[tuple[str, int, int, float]]:
    """(phase, events, accepted, seconds) of each phase on one database."""
    with tempfile.TemporaryDirectory(prefix="feed-bench-") as folder:
        if kind == "sqlite":
            url = f"sqlite:///{folder}/portal.sqlite3"
        else:
            _ensure_pg(url)
        app = _app(url, folder)
        with app.app_context():
            token = _world(app)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        client.post(URL, json={"events": []}, headers=headers)  # warm-up
        figures = []
        for name, batches in _phases(parcels):
            accepted = 0
            started = time.perf_counter()
            for body in batches:
                response = client.post(URL, json=body, headers=headers)
                if response.status_code != 202:
                    raise SystemExit(f"{kind} {name}: {response.status_code} {response.get_data(as_text=True)[:300]}")
                accepted += response.get_json()["accepted"]
            figures.append((name, sum(len(b["events"]) for b in batches), accepted, time.perf_counter() - started))
        with app.app_context():
            from portal.extensions import db
            from portal.models import Event
            noticed = db.session.query(Event).filter(Event.kind == "parcel_delivered").count()
            db.engine.dispose()
        figures.append(("(tickets told of a delivery)", noticed, noticed, 0.0))
        return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(f"POST {URL}, batches of {BATCH} events, {args.parcels} parcels, test client in one process")
    print(f"{'database':<11} {'phase':<10} {'events':>7} {'accepted':>9} {'seconds':>8} {'events/s':>9}")
    for kind in kinds:
        for name, events, accepted, seconds in run(kind, args.pg_url, args.parcels):
            if not seconds:
                print(f"{kind:<11} {name}: {events}")
                continue
            print(f"{kind:<11} {name:<10} {events:>7} {accepted:>9} {seconds:>8.2f} {events / seconds:>9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
