"""Outbound webhooks: ticket events posted as signed JSON to the URLs a team registers.

The outbox (services.outbox) inserts a delivery row in the same transaction as the event it
announces, so an event recorded exactly once (the SLA sweep's guarantee) is enqueued exactly once. A
separate pass (services.webhook_delivery) posts them through the outbound guard and retries
failures. Here: the administration of endpoints and deliveries."""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import outbound
from ..extensions import db
from ..models import WEBHOOK_EVENTS, Ticket, WebhookDelivery, WebhookEndpoint
from . import audit
from .actor import actor_fields
from .errors import Conflict, InvalidInput, NotFound
from .outbox import forget_subscribers

EVENT_KINDS = WEBHOOK_EVENTS
RETRYABLE = ("failed", "refused")  # the statuses an admin can send again
MIN_SECRET = 16
MAX_URL = 2000


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
    forget_subscribers()
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
    forget_subscribers()
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
