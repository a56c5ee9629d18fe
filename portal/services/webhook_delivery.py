"""Webhook delivery: the pass that sends what the outbox (services.outbox) holds. It claims due
deliveries, posts them with no transaction open, records each result in a transaction of its own,
and retries failures with growing backoff until they are delivered or given up. Receivers should
still treat `X-Portal-Delivery` as an idempotency key: a pass that dies between a post and its
record sends that delivery again once its claim expires. Every post goes through the outbound
guard (portal/outbound.py), which checks the URL again each time: a destination it refuses is
recorded as `refused` and not retried."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from .. import outbound
from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 8
BACKOFF_CAP = dt.timedelta(hours=1)
TIMEOUT_SECONDS = 5.0
USER_AGENT = "seller-support-portal-webhooks/1"

# (url, body, headers, timeout) -> HTTP status; raises outbound.OutboundRefused / OutboundFailed
HttpPost = Callable[[str, bytes, dict[str, str], float], int]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPass:
    delivered: int
    retrying: int
    failed: int
    refused: int = 0  # the guard refused the destination (outbound.py): never retried

    def line(self) -> str:
        return f"delivered={self.delivered} retrying={self.retrying} failed={self.failed} refused={self.refused}"


@dataclass(frozen=True)
class _Claim:
    id: int
    event_kind: str
    payload_json: str
    attempts: int  # including the one being made
    url: str
    secret: str


def signature(secret: str, body: bytes) -> str:
    """The `X-Portal-Signature` header value: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes, at most BACKOFF_CAP."""
    return min(dt.timedelta(minutes=2 ** min(attempts - 1, 16)), BACKOFF_CAP)


def _claim(now: dt.datetime, limit: int) -> list[_Claim]:
    """Take up to `limit` due deliveries in one short transaction. Taking one counts the attempt and
    pushes its next_attempt_at past the longest this pass can take, so another pass skips it; should
    this one die before recording a result, the delivery comes due again by itself."""
    lease = dt.timedelta(seconds=limit * TIMEOUT_SECONDS) + dt.timedelta(minutes=5)
    # PostgreSQL: rows another pass has locked are skipped, not waited for. SQLite ignores FOR UPDATE,
    # and needs nothing of it: every write transaction starts with BEGIN IMMEDIATE (see db_setup).
    due = (select(WebhookDelivery.id)
           .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
           .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                  WebhookEndpoint.active.is_(True))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
           .with_for_update(of=WebhookDelivery, skip_locked=True))
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()  # ends the transaction, and on SQLite gives the write lock back at once
        return []
    rows = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending")
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + lease)
        .returning(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.event_kind,
                   WebhookDelivery.payload_json, WebhookDelivery.attempts),
        execution_options={"synchronize_session": False}).all()
    endpoints = {row.id: (row.url, row.secret) for row in db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret)
        .where(WebhookEndpoint.id.in_({r.endpoint_id for r in rows})))}
    db.session.commit()
    return sorted((_Claim(r.id, r.event_kind, r.payload_json, r.attempts, *endpoints[r.endpoint_id])
                   for r in rows), key=lambda c: c.id)


@dataclass(frozen=True)
class _Result:
    status_code: int | None = None
    error: str | None = None  # a short reason from outbound.py, safe to show
    refused: bool = False


def _send(claim: _Claim, http_post: HttpPost) -> _Result:
    body = claim.payload_json.encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Portal-Event": claim.event_kind,
               "X-Portal-Delivery": str(claim.id), "X-Portal-Signature": signature(claim.secret, body)}
    try:
        status_code = http_post(claim.url, body, headers, TIMEOUT_SECONDS)
    except outbound.OutboundRefused as exc:
        return _Result(error=exc.reason, refused=True)
    except outbound.OutboundError as exc:
        return _Result(error=exc.reason)
    except Exception:  # any failure of one endpoint is that delivery's result, not the pass's end
        log.exception("webhook delivery %s failed unexpectedly", claim.id)
        return _Result(error="delivery error")
    return _Result(status_code, outbound.status_reason(status_code))


def _record(claim: _Claim, now: dt.datetime, result: _Result) -> str:
    """Store one attempt's result in a transaction of its own; returns the delivery's new status
    ('delivered', 'pending' for a retry, 'failed', 'refused')."""
    if result.refused:
        outcome, values = "refused", {"status": "refused"}
    elif result.status_code is not None and 200 <= result.status_code < 300:
        outcome, values = "delivered", {"status": "delivered", "delivered_at": now}
    elif claim.attempts >= MAX_ATTEMPTS:
        outcome, values = "failed", {"status": "failed"}
    else:
        outcome, values = "pending", {"next_attempt_at": now + backoff(claim.attempts)}
    # only while the claim is still ours: an expired claim re-taken by another pass has more attempts
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claim.id, WebhookDelivery.status == "pending",
               WebhookDelivery.attempts == claim.attempts)
        .values(last_status_code=result.status_code, last_error=result.error, **values),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return outcome


def deliver_due(now: dt.datetime, http_post: HttpPost | None = None, limit: int = 100) -> DeliveryPass:
    """One delivery pass at `now`: claims up to `limit` pending deliveries that are due (safe with
    several passes at once), posts each through the guarded client (outbound.py, checked again at
    every attempt), and records it as delivered (2xx), refused (a destination the guard refuses:
    not retried), due again after backoff, or failed after MAX_ATTEMPTS. No transaction is open
    during a post."""
    post = http_post or outbound.app_client().post
    counts = {"delivered": 0, "pending": 0, "failed": 0, "refused": 0}
    for claim in _claim(now, limit):
        counts[_record(claim, now, _send(claim, post))] += 1
    return DeliveryPass(counts["delivered"], counts["pending"], counts["failed"], counts["refused"])
