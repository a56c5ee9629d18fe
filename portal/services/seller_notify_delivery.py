"""Seller notification delivery: the pass that sends what the outbox (services.seller_notify) holds,
modelled on the webhook pass (services.webhook_delivery). It claims due notifications, sends them
with no transaction open, records each result in a transaction of its own, and retries failures with
growing backoff until they are delivered or dead (given up after MAX_ATTEMPTS). The gateway should
treat `X-Portal-Delivery` as an idempotency key: it is the same on every try, and a pass that dies
between a post and its record sends that notification again once its claim expires. Every request
goes through the outbound guard (portal/outbound.py): a destination it refuses is recorded as
`refused` and not retried. A push service answering 404 or 410 has dropped the browser's
subscription: it is removed, with its notifications."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update

from .. import outbound
from ..extensions import db
from ..models import PushSubscription, SellerNotification
from . import webpush
from .webhook_delivery import backoff, signature

MAX_ATTEMPTS = 8  # tries 1 … 8 over about two hours (backoff 1, 2, 4 … 60 minutes), then dead
TIMEOUT_SECONDS = 5.0
USER_AGENT = "seller-support-portal-notifications/1"

# (url, body, headers, timeout) -> HTTP status; raises outbound.OutboundRefused / OutboundFailed
HttpPost = Callable[[str, bytes, dict[str, str], float], int]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifyPass:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    refused: int = 0
    gone: int = 0  # Web Push subscriptions the push service no longer knows (404/410): removed

    def line(self) -> str:
        return (f"delivered={self.delivered} retrying={self.retrying} dead={self.dead} refused={self.refused} "
                f"gone={self.gone}")


@dataclass(frozen=True)
class _Claim:
    id: int
    channel: str
    subscription_id: int | None
    payload_json: str
    idempotency_key: str
    attempts: int  # including the one being made
    subscription: webpush.Subscription | None = None


def _channels() -> list[str]:
    """The channels set up in this process: a notification of another waits until it is."""
    config = current_app.config
    channels = ["gateway"] if config.get("SELLER_NOTIFY_URL") else []
    if config.get("WEBPUSH_VAPID_PRIVATE_KEY") and config.get("WEBPUSH_VAPID_PUBLIC_KEY"):
        channels.append("webpush")
    return channels


def _claim(now: dt.datetime, limit: int) -> list[_Claim]:
    """Take up to `limit` due notifications in one short transaction. Taking one counts the attempt
    and pushes its next_attempt_at past the longest this pass can take, so another pass skips it (and
    a newer change no longer rewrites it); should this pass die before recording a result, the
    notification comes due again by itself."""
    channels = _channels()
    if not channels:
        return []
    sn = SellerNotification
    lease = dt.timedelta(seconds=limit * TIMEOUT_SECONDS) + dt.timedelta(minutes=5)
    # PostgreSQL: rows another pass (or a writer rewriting one) has locked are skipped, not waited for;
    # SQLite's writes take the one write lock (db_setup), so nothing else writes meanwhile
    due = (select(sn.id).where(sn.status == "pending", sn.next_attempt_at <= now, sn.channel.in_(channels))
           .order_by(sn.next_attempt_at, sn.id).limit(limit).with_for_update(skip_locked=True))
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return []
    rows = db.session.execute(
        update(sn).where(sn.id.in_(ids), sn.status == "pending")
        .values(attempts=sn.attempts + 1, next_attempt_at=now + lease)
        .returning(sn.id, sn.channel, sn.subscription_id, sn.payload_json, sn.idempotency_key, sn.attempts),
        execution_options={"synchronize_session": False}).all()
    subscriptions = {row.id: webpush.Subscription(row.endpoint, row.p256dh, row.auth) for row in db.session.execute(
        select(PushSubscription.id, PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth)
        .where(PushSubscription.id.in_({r.subscription_id for r in rows if r.subscription_id})))}
    db.session.commit()
    return sorted((_Claim(r.id, r.channel, r.subscription_id, r.payload_json, r.idempotency_key, r.attempts,
                          subscriptions.get(r.subscription_id)) for r in rows), key=lambda c: c.id)


@dataclass(frozen=True)
class _Result:
    status_code: int | None = None
    error: str | None = None  # a short reason from outbound.py, safe to show
    refused: bool = False


def gateway_request(body: bytes, idempotency_key: str, secret: str) -> dict[str, str]:
    """The headers of a gateway POST: the body's signature and the idempotency key."""
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Portal-Delivery": idempotency_key,
            "X-Portal-Signature": signature(secret, body)}


def _request(claim: _Claim) -> tuple[str, bytes, dict[str, str]]:
    config = current_app.config
    body = claim.payload_json.encode("utf-8")
    if claim.channel == "gateway":
        return (config["SELLER_NOTIFY_URL"], body,
                gateway_request(body, claim.idempotency_key, config.get("SELLER_NOTIFY_SECRET") or ""))
    if claim.subscription is None:
        raise LookupError("the subscription is gone")
    encrypted, headers = webpush.request(claim.subscription, body, config["WEBPUSH_VAPID_PRIVATE_KEY"],
                                         config.get("WEBPUSH_CONTACT") or "mailto:support@example.com")
    return claim.subscription.endpoint, encrypted, headers


def _send(claim: _Claim, http_post: HttpPost) -> _Result:
    try:
        url, body, headers = _request(claim)
        status_code = http_post(url, body, headers, TIMEOUT_SECONDS)
    except outbound.OutboundRefused as exc:
        return _Result(error=exc.reason, refused=True)
    except outbound.OutboundError as exc:
        return _Result(error=exc.reason)
    except Exception:  # any failure of one notification is its result, not the pass's end
        log.exception("seller notification %s failed unexpectedly", claim.id)
        return _Result(error="delivery error")
    return _Result(status_code, outbound.status_reason(status_code))


def _gone(claim: _Claim, result: _Result) -> bool:
    return claim.channel == "webpush" and result.status_code in (404, 410)


def _record(claim: _Claim, now: dt.datetime, result: _Result) -> str:
    """Store one attempt's result in a transaction of its own; returns the outcome ('delivered',
    'retrying', 'dead', 'refused', or 'gone' for a push subscription removed)."""
    sn = SellerNotification
    if _gone(claim, result):
        db.session.execute(delete(sn).where(sn.subscription_id == claim.subscription_id))
        db.session.execute(delete(PushSubscription).where(PushSubscription.id == claim.subscription_id))
        db.session.commit()
        return "gone"
    if result.refused:
        outcome, values = "refused", {"status": "refused"}
    elif result.status_code is not None and 200 <= result.status_code < 300:
        outcome, values = "delivered", {"status": "delivered", "delivered_at": now}
    elif claim.attempts >= MAX_ATTEMPTS:
        outcome, values = "dead", {"status": "dead"}
    else:
        outcome, values = "retrying", {"next_attempt_at": now + backoff(claim.attempts)}
    # only while the claim is still ours: an expired claim re-taken by another pass has more attempts
    db.session.execute(
        update(sn).where(sn.id == claim.id, sn.status == "pending", sn.attempts == claim.attempts)
        .values(last_status_code=result.status_code, last_error=result.error, updated_at=now, **values),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return outcome


def deliver_due(now: dt.datetime, http_post: HttpPost | None = None, limit: int = 100) -> NotifyPass:
    """One delivery pass at `now`: claims up to `limit` pending notifications that are due on a
    channel set up in this process (safe with several passes at once), sends each through the
    guarded client (checked again at every attempt), and records it as delivered (2xx), refused
    (not retried), due again after backoff, or dead after MAX_ATTEMPTS. No transaction is open
    while a request is on its way."""
    post = http_post or outbound.app_client().post
    counts = {"delivered": 0, "retrying": 0, "dead": 0, "refused": 0, "gone": 0}
    for claim in _claim(now, limit):
        counts[_record(claim, now, _send(claim, post))] += 1
    return NotifyPass(**counts)
