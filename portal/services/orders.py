"""Shipment statuses imported from the carrier's system, used for instant answers."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import normalize

from ..extensions import db
from ..models import Shipment
from .errors import InvalidInput

REQUIRED = {"tracking_number", "status", "event_at"}


def parse_instant(raw: str) -> dt.datetime:
    """An ISO 8601 instant in UTC; one without an offset is taken as UTC. ValueError for anything
    else, an instant outside the years 1–9999 in UTC included (0001-01-01T00:00+07:00)."""
    value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    try:
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except OverflowError:
        raise ValueError(f"event_at {raw.strip()} is outside the years 1 to 9999 in UTC") from None


@dataclass
class OrdersReport:
    added: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"added={self.added} updated={self.updated} rejected={len(self.rejected)}"


def import_orders(text: str) -> OrdersReport:
    """Upsert shipments from CSV (tracking_number,status,last_event,event_at); an older event
    never overwrites a newer one. Commits the valid rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not REQUIRED <= {h.strip().lower() for h in reader.fieldnames or []}:
        raise InvalidInput(_l("The CSV needs the columns tracking_number, status, last_event, event_at."))
    report = OrdersReport()
    rows: dict[str, tuple[str, str, dt.datetime]] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if not isinstance(v, list)}
        try:
            number = normalize.tracking_numbers(row.get("tracking_number"))
            if len(number) != 1:
                raise ValueError("one tracking number per row")
            status = normalize.text(row.get("status"), max_length=64)
            if not status:
                raise ValueError("status is empty")
            rows[number[0]] = (status, normalize.text(row.get("last_event"), max_length=500),
                               parse_instant(row.get("event_at") or ""))
        except normalize.NormalizeError as exc:
            report.rejected.append((line, exc.text(gettext)))
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
    numbers = list(rows)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        existing = {s.tracking_number: s for s in
                    db.session.scalars(select(Shipment).where(Shipment.tracking_number.in_(chunk)))}
        for number in chunk:
            status, last_event, event_at = rows[number]
            shipment = existing.get(number)
            if shipment is None:
                db.session.add(Shipment(tracking_number=number, status=status, last_event=last_event,
                                        event_at=event_at))
                report.added += 1
            elif event_at >= shipment.event_at:
                shipment.status, shipment.last_event, shipment.event_at = status, last_event, event_at
                report.updated += 1
    db.session.commit()
    return report
