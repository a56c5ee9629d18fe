"""The append-only ticket history."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import insert

from ..extensions import db
from ..models import Event, Ticket, User
from . import outbox, seller_notify


def _plain(value) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def record(ticket: Ticket, kind: str, now: dt.datetime, actor: User | None = None,
           actor_label: str | None = None, **data) -> Event:
    """Add one event to the ticket's history (in the caller's transaction)."""
    event = Event(ticket_id=ticket.id, kind=kind, actor_user_id=actor.id if actor else None,
                  actor_label=actor_label or (actor.name if actor else "system"),
                  data_json=json.dumps(data, ensure_ascii=False, default=_plain), created_at=now)
    db.session.add(event)
    outbox.announce_ticket(ticket, kind, now, data)
    seller_notify.note_change(ticket, kind, now, data, by_staff=actor is not None)
    return event


_INSERT_EVENT = insert(Event.__table__)


def record_many(ticket: Ticket, entries: list[tuple[str, str, dict]], now: dt.datetime) -> None:
    """Add several events of one ticket at once, as (kind, actor label, data) in order, by one plain
    INSERT (no unit of work): what a new ticket's creation writes. Announced like `record`'s."""
    db.session.connection().execute(_INSERT_EVENT, [
        dict(ticket_id=ticket.id, kind=kind, actor_user_id=None, actor_label=actor_label,
             data_json=json.dumps(data, ensure_ascii=False, default=_plain), created_at=now)
        for kind, actor_label, data in entries])
    for kind, _actor_label, data in entries:
        outbox.announce_ticket(ticket, kind, now, data)
