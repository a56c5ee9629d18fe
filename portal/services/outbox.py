"""The webhook outbox: deliveries written in the same transaction as the ticket events they
announce, so an event recorded exactly once is enqueued exactly once (see services.webhooks for
the pass that posts them).

History entries are announced through `announce_ticket`; the deliveries are written by a listener
on the portal's database session just before it commits. `init_app` registers the listeners, once,
on Flask-SQLAlchemy's session (not on every SQLAlchemy Session of the process)."""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable

from flask import Flask, current_app
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Department, Message, Seller, Ticket, WebhookDelivery, WebhookEndpoint
from .runtime import runtime

# how long a web process trusts its list of subscribed endpoints before reading it again; a change
# made in this process is seen at once, one made in another process within this many seconds
SUBSCRIBERS_TTL_SECONDS = 5.0
_CACHE_KEY = "portal.webhook_subscribers"


class Outbox:
    """Deliveries written in the caller's transaction, which the caller commits. The active
    endpoints (and department codes for the payloads) are read once, on first use, so a batch of
    tickets costs one query, and a batch with nothing to announce costs none."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._subscribers: dict[str, list[int]] | None = None
        self._departments: dict[int, str] | None = None

    def subscribers(self, kind: str) -> list[int]:
        """Ids of the active endpoints subscribed to `kind`."""
        if self._subscribers is None:
            self._subscribers = _read_subscribers()
        return self._subscribers.get(kind, [])

    def department_code(self, department_id: int) -> str | None:
        if self._departments is None:
            self._departments = dict(db.session.execute(select(Department.id, Department.code)).all())
        return self._departments.get(department_id)

    def add(self, kind: str, items: Iterable[tuple[int | None, dict]]) -> int:
        """Queue one delivery per subscribed endpoint for each (ticket_id, payload); returns how many."""
        endpoints = self.subscribers(kind)
        if not endpoints:
            return 0
        values = []
        for ticket_id, payload in items:
            body = json.dumps({"event": kind, "occurred_at": self.now.isoformat(), **payload},
                              ensure_ascii=False, separators=(",", ":"))
            values += [{"endpoint_id": endpoint_id, "event_kind": kind, "ticket_id": ticket_id, "payload_json": body,
                        "status": "pending", "attempts": 0, "next_attempt_at": self.now, "created_at": self.now}
                       for endpoint_id in endpoints]
        if values:
            table = WebhookDelivery.__table__
            db.session.execute(insert(table).returning(table.c.id), values)
        return len(values)

    def add_sla_events(self, kind: str, rows, text_for: Callable[[str], str], data: dict) -> int:
        """Queue the SLA sweep's events: `rows` of (ticket_id, reference, department_id, assignee_id, due_at)
        as its conditional UPDATE returned them, `text_for(reference)` the notification's text."""
        if not rows or not self.subscribers(kind):
            return 0
        base = runtime().public_base_url
        return self.add(kind, ((ticket_id, {
            "text": text_for(reference),
            "ticket": {"reference": reference, "department": self.department_code(department_id),
                       "first_response_due_at": due.isoformat(), "url": f"{base}/tickets/{reference}"},
            "data": data,
        }) for ticket_id, reference, department_id, _assignee_id, due in rows))


def _read_subscribers() -> dict[str, list[int]]:
    subscribers: dict[str, list[int]] = {}
    for endpoint_id, events in db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)):
        for kind in {e for e in events.split(",") if e}:
            subscribers.setdefault(kind, []).append(endpoint_id)
    return subscribers


def _cached_subscribers() -> dict[str, list[int]]:
    """The subscriptions, read at most once per SUBSCRIBERS_TTL_SECONDS: ticket events come on the
    submission path, where a query per ticket for (usually) no endpoint would be pure cost."""
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is None or cached[0] < time.monotonic():
        cached = (time.monotonic() + SUBSCRIBERS_TTL_SECONDS, _read_subscribers())
        current_app.extensions[_CACHE_KEY] = cached
    return cached[1]


def forget_subscribers() -> None:
    """Read the subscriptions afresh on next use: an endpoint was added or deactivated."""
    current_app.extensions.pop(_CACHE_KEY, None)


# history kinds that announce a ticket event, and the webhook event they become
_TICKET_EVENTS = {"created": "ticket_created", "replied": "ticket_replied"}


def ticket_event_kind(history_kind: str, data: dict) -> str | None:
    """The webhook event a ticket history entry announces, if any: created, a public reply (by the
    seller or staff; internal notes are not announced), and a change of status to resolved."""
    if history_kind == "status_changed":
        return "ticket_resolved" if data.get("new") == "resolved" else None
    return _TICKET_EVENTS.get(history_kind)


def _ticket_payload(ticket: Ticket, department: str | None) -> dict:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None
    seller_code = db.session.scalar(select(Seller.code).where(Seller.id == ticket.seller_id))
    return {"reference": ticket.reference, "seller_code": seller_code, "department": department,
            "category": ticket.category, "priority": ticket.priority, "status": ticket.status,
            "created_at": iso(ticket.created_at), "first_response_due_at": iso(ticket.first_response_due_at),
            "first_responded_at": iso(ticket.first_responded_at), "resolved_at": iso(ticket.resolved_at),
            "resolution_reason": ticket.resolution_reason}


_PENDING = "portal.ticket_announcements"


def announce_ticket(ticket: Ticket, history_kind: str, now: dt.datetime, data: dict) -> None:
    """Announce a ticket history entry to the endpoints subscribed to its event. The deliveries are
    written just before the transaction commits, when the ticket's state is final (a reply's first
    response time is set, the status is resolved), and are dropped with it when it rolls back."""
    kind = ticket_event_kind(history_kind, data)
    if kind is None or not _cached_subscribers().get(kind):
        return
    db.session.info.setdefault(_PENDING, []).append((ticket, kind, now))


def _write_announcements(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    outbox = Outbox(pending[0][2])
    for ticket, kind, now in pending:
        outbox.now = now
        payload: dict = {"ticket": _ticket_payload(ticket, outbox.department_code(ticket.department_id))}
        if kind == "ticket_replied":
            message = session.scalar(select(Message).where(Message.ticket_id == ticket.id,
                                                           Message.internal.is_(False))
                                     .order_by(Message.id.desc()).limit(1))
            if message is not None:
                payload["message"] = {"author": message.author_kind, "body": message.body,
                                      "created_at": message.created_at.isoformat()}
        outbox.add(kind, [(ticket.id, payload)])


def _drop_announcements(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


_LISTENERS = (("before_commit", _write_announcements), ("after_soft_rollback", _drop_announcements))


def init_app(app: Flask) -> None:
    """Write announced deliveries when the portal's session commits, drop them when it rolls back.
    Registered on `db.session` once, however many apps are built (one per test)."""
    for name, listener in _LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
