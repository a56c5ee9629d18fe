"""Parcel events into the database: the carrier's live feed (POST /api/v1/shipments/events) and
`orders import` both go through `apply`.

Every event is kept in shipment_events (the parcel's history; a repeat of the same tracking
number, status and occurred_at is ignored by the table's unique key), and a parcel's row in
shipments takes an event only when it is newer than the event it holds. Both steps are single
statements that hold under concurrency: the insert skips conflicts instead of failing, and the
status update is conditional (`… WHERE event_at < :new`), which PostgreSQL re-checks on a row
another transaction changed meanwhile, so an older event never wins a race; SQLite writes one
transaction at a time.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from normalize import feed
from normalize.feed import FeedEvent, Plan

from ..extensions import db
from ..models import Shipment, ShipmentEvent
from . import parcel_notices
from .api_schema import ApiInputError

CHUNK = 1000  # events per statement batch: an import of any size stays within the drivers' limits
SOURCES = ("feed", "import")


@dataclass
class Applied:
    """What a batch did: events new to the history (`accepted`) and repeats (`ignored`); parcels
    first known from it (`added`) and parcels whose status it changed (`updated`); tickets told
    that their parcel was delivered (`noticed`)."""

    accepted: int = 0
    ignored: int = 0
    added: int = 0
    updated: int = 0
    noticed: int = 0


def _insert(table: Table):
    """INSERT … ON CONFLICT DO NOTHING in the session's dialect (both spell it the same way)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _record(events: Sequence[FeedEvent], source: str, now: dt.datetime) -> set[tuple[str, str, dt.datetime]]:
    """Insert the events into the history; the keys of those that were new (repeats are skipped)."""
    t = ShipmentEvent.__table__
    # in key order: two batches that share events wait for each other's keys in the same order, and
    # never each hold one the other waits for (a deadlock on PostgreSQL's unique index)
    rows = [{"tracking_number": e.tracking_number, "status": e.status, "event": e.event, "occurred_at": e.occurred_at,
             "seller_code": e.seller_code, "source": source, "received_at": now}
            for e in sorted(events, key=lambda e: (e.tracking_number, e.status, e.occurred_at))]
    stmt = _insert(t).returning(t.c.tracking_number, t.c.status, t.c.occurred_at)
    return {tuple(row) for row in db.session.execute(stmt, rows)}


def _set_status(newest: dict[str, FeedEvent], now: dt.datetime) -> tuple[set[str], set[str]]:
    """Give each parcel its newest event unless it already holds a newer one: (parcels added,
    parcels updated)."""
    t = Shipment.__table__
    numbers = sorted(newest)  # rows locked in one order by every request (no deadlock between two)
    known = set(db.session.scalars(select(t.c.tracking_number).where(t.c.tracking_number.in_(numbers))))
    added: set[str] = set()
    missing = [n for n in numbers if n not in known]
    if missing:
        rows = [{"tracking_number": n, "status": newest[n].status, "last_event": newest[n].event,
                 "event_at": newest[n].occurred_at, "seller_code": newest[n].seller_code, "updated_at": now}
                for n in missing]
        added = set(db.session.scalars(_insert(t).returning(t.c.tracking_number), rows))
    rest = [n for n in numbers if n not in added]  # known, or added by another request meanwhile
    if not rest:
        return added, set()
    at = bindparam("b_at", type_=t.c.event_at.type)
    stmt = (update(t).where(t.c.tracking_number == bindparam("b_number"), t.c.event_at < at)
            .values(status=bindparam("b_status"), last_event=bindparam("b_event"), event_at=at,
                    seller_code=func.coalesce(bindparam("b_code", type_=String), t.c.seller_code), updated_at=now))
    db.session.execute(stmt, [{"b_number": n, "b_at": newest[n].occurred_at, "b_status": newest[n].status,
                               "b_event": newest[n].event, "b_code": newest[n].seller_code} for n in rest])
    held = db.session.execute(select(t.c.tracking_number, t.c.status, t.c.event_at)
                              .where(t.c.tracking_number.in_(rest)))
    updated = {n for n, status, at_ in held if (status, at_) == (newest[n].status, newest[n].occurred_at)}
    return added, updated


def _seller_codes(events: Sequence[FeedEvent], done: set[str]) -> None:
    """A seller code that came with an older event still names the parcel's seller, when it has none."""
    codes = {e.tracking_number: e.seller_code for e in events if e.seller_code and e.tracking_number not in done}
    if codes:
        t = Shipment.__table__
        db.session.execute(update(t).where(t.c.tracking_number == bindparam("b_number"), t.c.seller_code.is_(None))
                           .values(seller_code=bindparam("b_code")),
                           [{"b_number": n, "b_code": codes[n]} for n in sorted(codes)])


def apply(plan: Plan, *, source: str, now: dt.datetime) -> Applied:
    """Apply a planned batch in the caller's transaction (nothing is committed here): the history,
    the parcels' statuses, and a notice on each open delivery-delay ticket whose parcel became
    delivered."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    result = Applied(ignored=plan.repeats)
    for start in range(0, len(plan.events), CHUNK):
        chunk = plan.events[start:start + CHUNK]
        fresh_keys = _record(chunk, source, now)
        fresh = [e for e in chunk if e.key in fresh_keys]
        result.accepted += len(fresh)
        result.ignored += len(chunk) - len(fresh)
        if not fresh:
            continue
        newest = feed.applied_in_order(fresh)
        added, updated = _set_status(newest, now)
        _seller_codes(fresh, added | updated)
        result.added += len(added)
        result.updated += len(updated)
        delivered = [newest[n] for n in sorted(added | updated) if newest[n].status == "delivered"]
        result.noticed += parcel_notices.delivered(delivered, now)
    return result


def receive(body: object, *, now: dt.datetime) -> Applied:
    """A posted batch checked as a whole and applied in one transaction, committed; ApiInputError
    (400, or 413 for too many events) naming the first bad event, with nothing applied."""
    try:
        events = feed.batch(body)
    except feed.BatchError as exc:
        raise ApiInputError(413 if exc.too_large else 400, exc.message,
                            {exc.field: [exc.message]} if exc.field else None) from None
    result = apply(feed.plan(events), source="feed", now=now)
    db.session.commit()
    return result
