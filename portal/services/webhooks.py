"""Outbound webhooks: ticket events posted as signed JSON to the URLs a team registers.

An outbox: a delivery row is inserted in the same transaction as the event it announces, so an
event recorded exactly once (the SLA sweep's guarantee) is enqueued exactly once. A separate pass
(services.webhook_delivery) posts them through the outbound guard and retries failures. Here: the
outbox and the administration of endpoints and deliveries."""
from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from .. import outbound
from ..extensions import db
from ..models import WEBHOOK_EVENTS, Department, Message, Seller, Ticket, WebhookDelivery, WebhookEndpoint
from . import audit
from .errors import Conflict, InvalidInput, NotFound
from .runtime import runtime

EVENT_KINDS = WEBHOOK_EVENTS
RETRYABLE = ("failed", "refused")  # the statuses an admin can send again
MIN_SECRET = 16
MAX_URL = 2000
# how long a web process trusts its list of subscribed endpoints before reading it again; a change
# made in this process is seen at once, one made in another process within this many seconds
SUBSCRIBERS_TTL_SECONDS = 5.0
_CACHE_KEY = "portal.webhook_subscribers"


# --- enqueueing ----------------------------------------------------------------------------

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


def _forget_subscribers() -> None:
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
            "first_responded_at": iso(ticket.first_responded_at), "resolved_at": iso(ticket.resolved_at)}


_PENDING = "portal.ticket_announcements"


def announce_ticket(ticket: Ticket, history_kind: str, now: dt.datetime, data: dict) -> None:
    """Announce a ticket history entry to the endpoints subscribed to its event. The deliveries are
    written just before the transaction commits, when the ticket's state is final (a reply's first
    response time is set, the status is resolved), and are dropped with it when it rolls back."""
    kind = ticket_event_kind(history_kind, data)
    if kind is None or not _cached_subscribers().get(kind):
        return
    db.session.info.setdefault(_PENDING, []).append((ticket, kind, now))


@event.listens_for(Session, "before_commit")
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


@event.listens_for(Session, "after_soft_rollback")
def _drop_announcements(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


# --- administration ------------------------------------------------------------------------

def _check_url(raw: str | None) -> tuple[str, list[str]]:
    url = (raw or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if not url:
        return url, [_l("Enter the URL to post to.")]
    if parts is None or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        return url, [_l("Enter an http:// or https:// URL, e.g. https://chat.example.com/hooks/support.")]
    if len(url) > MAX_URL:
        return url, [_l("The URL may be at most %(max)s characters.", max=MAX_URL)]
    try:  # the rules every delivery is held to, its host resolved now
        outbound.app_client().check(url)
    except outbound.OutboundError as exc:
        return url, [outbound.explain(exc)]
    return url, []


def _check_events(raw: Iterable[str] | str | None) -> tuple[list[str], list[str]]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    chosen = {item.strip() for item in items if item and item.strip()}
    unknown = sorted(chosen - set(EVENT_KINDS))
    if unknown:
        return [], [_l("Unknown event: %(events)s. Choose from %(known)s.", events=", ".join(unknown),
                       known=", ".join(EVENT_KINDS))]
    if not chosen:
        return [], [_l("Choose at least one event.")]
    return [kind for kind in EVENT_KINDS if kind in chosen], []


def _snapshot(endpoint: WebhookEndpoint) -> dict:
    # never the secret: the audit shows that it changed, not what it is
    return {"url": endpoint.url, "events": endpoint.events, "active": bool(endpoint.active)}


def _audit(action: str, endpoint: WebhookEndpoint, before: dict | None, after: dict | None, now: dt.datetime,
           actor) -> None:
    from .staff import actor_fields
    audit.record(action, "webhook", f"{endpoint.id} {endpoint.url}"[:254], before=before, after=after, now=now,
                 **actor_fields(actor))


def add_endpoint(url: str, events: Iterable[str] | str, secret: str | None, now: dt.datetime,
                 actor="system") -> WebhookEndpoint:
    """Register an active endpoint, committed. Events are a subset of EVENT_KINDS; an empty secret
    is replaced by a random one. Raises InvalidInput with per-field messages."""
    url, url_errors = _check_url(url)
    kinds, event_errors = _check_events(events)
    secret = (secret or "").strip()
    errors: dict[str, list[str]] = {}
    if url_errors:
        errors["url"] = url_errors
    if event_errors:
        errors["events"] = event_errors
    if secret and not MIN_SECRET <= len(secret) <= 128:
        errors["secret"] = [_l("The secret needs %(min)s to 128 characters; leave it empty to generate one.",
                               min=MIN_SECRET)]
    if errors:
        raise InvalidInput(" ".join(str(messages[0]) for messages in errors.values()), errors)
    endpoint = WebhookEndpoint(url=url, events=",".join(kinds), secret=secret or secrets.token_hex(32),
                               active=True, created_at=now)
    db.session.add(endpoint)
    db.session.flush()
    _audit("webhook.added", endpoint, None, _snapshot(endpoint), now, actor)
    db.session.commit()
    _forget_subscribers()
    return endpoint


def endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, active ones first, newest first."""
    return list(db.session.scalars(select(WebhookEndpoint)
                                   .order_by(WebhookEndpoint.active.desc(), WebhookEndpoint.id.desc())))


def deactivate_endpoint(endpoint_id: int, now: dt.datetime, actor="system") -> WebhookEndpoint:
    """Stop posting to an endpoint, committed: its pending deliveries are marked failed."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(_l("No such webhook endpoint."))
    before = _snapshot(endpoint)
    endpoint.active = False
    if before["active"]:
        _audit("webhook.deactivated", endpoint, before, _snapshot(endpoint), now, actor)
    db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error="endpoint deactivated"),
        execution_options={"synchronize_session": False})
    db.session.commit()
    _forget_subscribers()
    return endpoint


def recent_deliveries(limit: int = 100) -> list[tuple[WebhookDelivery, str | None]]:
    """The latest deliveries, newest first, each with its ticket's reference."""
    return list(db.session.execute(
        select(WebhookDelivery, Ticket.reference).outerjoin(Ticket, Ticket.id == WebhookDelivery.ticket_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)).all())


def retry_delivery(delivery_id: int, now: dt.datetime, actor="system") -> WebhookDelivery:
    """Make a failed or refused delivery due at once with a fresh series of attempts, committed (a
    refused one is checked again, e.g. after the operator set OUTBOUND_ALLOW_PRIVATE)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_l("No such webhook delivery."))
    if delivery.status not in RETRYABLE:
        raise Conflict(_l("Delivery %(id)s is %(status)s; only failed or refused deliveries can be retried.",
                          id=delivery_id, status=delivery.status))
    if not delivery.endpoint.active:
        raise Conflict(_l("Its endpoint is deactivated; add the endpoint again to receive new events."))
    status = delivery.status
    changed = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == status)
        .values(status="pending", attempts=0, next_attempt_at=now),
        execution_options={"synchronize_session": False}).rowcount
    if changed:
        _audit("webhook.delivery_retried", delivery.endpoint, {"delivery": delivery_id, "status": status},
               {"delivery": delivery_id, "status": "pending"}, now, actor)
    db.session.commit()
    if not changed:
        raise Conflict(_l("Delivery %(id)s changed meanwhile; reload the page.", id=delivery_id))
    db.session.refresh(delivery)
    return delivery
