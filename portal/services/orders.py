"""Shipment statuses imported from the carrier's system (`orders import`), used for instant answers."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

import normalize
from normalize import feed
from normalize.feed import FeedEvent

from ..extensions import db
from . import shipment_feed
from .errors import InvalidInput
from .runtime import utcnow

REQUIRED = {"tracking_number", "status", "event_at"}


def parse_instant(raw: str) -> dt.datetime:
    """An ISO 8601 instant in UTC; one without an offset is taken as UTC. ValueError for anything
    else, an instant outside the years 1–9999 in UTC included (0001-01-01T00:00+07:00)."""
    return normalize.instant(raw, "event_at")


@dataclass
class OrdersReport:
    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"added={self.added} updated={self.updated} rejected={len(self.rejected)}"


def _row_event(row: dict[str, str]) -> FeedEvent:
    number = normalize.tracking_numbers(row.get("tracking_number"))
    if len(number) != 1:
        raise ValueError("one tracking number per row")
    status = feed.status_code(normalize.text(row.get("status"), max_length=feed.STATUS_MAX))
    if not status:
        raise ValueError("status is empty")
    code = row.get("seller_code") or ""
    return FeedEvent(number[0], status, normalize.text(row.get("last_event"), max_length=feed.EVENT_MAX),
                     parse_instant(row.get("event_at") or ""), normalize.seller_code(code) if code else None)


def import_orders(text: str, *, now: dt.datetime | None = None) -> OrdersReport:
    """Load parcel events from CSV (tracking_number,status,last_event,event_at[,seller_code]) as the
    carrier's feed does: each row is kept in the parcels' history (a repeat once), and becomes its
    parcel's status unless the parcel holds a newer event. Commits the valid rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not REQUIRED <= {h.strip().lower() for h in reader.fieldnames or []}:
        raise InvalidInput(_l("The CSV needs the columns tracking_number, status, last_event, event_at."))
    report = OrdersReport()
    events: list[FeedEvent] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if not isinstance(v, list)}
        try:
            events.append(_row_event(row))
        except normalize.NormalizeError as exc:
            report.rejected.append((line, exc.text(gettext)))
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
    applied = shipment_feed.apply(feed.plan(events), source="import", now=now or utcnow())
    db.session.commit()
    report.added, report.updated = applied.added, applied.updated
    return report
