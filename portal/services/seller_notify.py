"""Seller notifications: the outbox that tells a seller staff answered (services.seller_notify_delivery
sends it). A public staff reply, a change to "waiting on you" and a resolution are noted as the
history records them; the notifications are written just before the transaction commits, and are
dropped with it when it rolls back. One transaction sends one message per ticket and channel, named
by its weightiest event; a message not yet taken by a delivery pass is rewritten by a newer one, so a
burst of replies sends one message saying the latest.

Nothing is written for a seller who turned notifications off, nor for a channel that is not set up:
the gateway needs SELLER_NOTIFY_URL, Web Push both VAPID keys and a browser the seller subscribed."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import SELLER_NOTIFY_EVENTS, PushSubscription, Seller, SellerNotification, Ticket, User
from . import audit, links
from .errors import InvalidInput, NotFound
from .runtime import runtime

WEIGHT = {name: rank for rank, name in enumerate(SELLER_NOTIFY_EVENTS)}  # ticket_resolved weighs most
_STATUS_EVENTS = {"waiting_on_seller": "waiting_on_seller", "resolved": "ticket_resolved"}
_PENDING = "portal.seller_notifications"
# the message before the link: at most this many characters in every language, so that the whole
# text fits one SMS (160 GSM characters) with a link of up to 160 - 1 - MESSAGE_MAX characters
MESSAGE_MAX = 70


def seller_event(history_kind: str, data: dict, by_staff: bool) -> str | None:
    """The seller notification a history entry calls for, if any: a public staff reply, a staff
    change of status to waiting on the seller or to resolved. Internal notes and anything the
    seller or the system did call for none."""
    if not by_staff:
        return None
    if history_kind == "replied":
        return "staff_replied" if data.get("by", "staff") == "staff" else None
    if history_kind == "status_changed":
        return _STATUS_EVENTS.get(data.get("new"))
    return None


def gateway_configured() -> bool:
    return bool(current_app.config.get("SELLER_NOTIFY_URL"))


def webpush_configured() -> bool:
    return bool(current_app.config.get("WEBPUSH_VAPID_PRIVATE_KEY") and current_app.config.get(
        "WEBPUSH_VAPID_PUBLIC_KEY"))


def note_change(ticket: Ticket, history_kind: str, now: dt.datetime, data: dict, by_staff: bool) -> None:
    """Remember, for this transaction, the notification a history entry calls for (the weightiest
    per ticket wins). Written just before the commit (see `_write_pending`)."""
    kind = seller_event(history_kind, data, by_staff)
    if kind is None or not (gateway_configured() or webpush_configured()):
        return
    pending: dict = db.session.info.setdefault(_PENDING, {})
    known = pending.get(ticket.id)
    if known is None or WEIGHT[kind] >= WEIGHT[known[1]]:
        pending[ticket.id] = (ticket, kind, now)


@dataclass(frozen=True)
class Message:
    """What a notification says: the short sentence naming the reference, and the seller's ticket page."""

    event: str
    reference: str
    locale: str
    sentence: str
    url: str

    @property
    def text(self) -> str:
        """The SMS text: the sentence, then the link."""
        return f"{self.sentence} {self.url}"


def sentence(event: str, reference: str, locale: str) -> str:
    """The sentence of `event` in `locale` (vi or en), naming the reference; at most MESSAGE_MAX characters."""
    with force_locale(locale):
        if event == "ticket_resolved":
            text = _("Support resolved your ticket %(reference)s.", reference=reference)
        elif event == "waiting_on_seller":
            text = _("Ticket %(reference)s needs your answer.", reference=reference)
        else:
            text = _("Support answered your ticket %(reference)s.", reference=reference)
    return text[:MESSAGE_MAX]


def message_for(ticket: Ticket, seller: Seller, event: str) -> Message:
    rt = runtime()
    url = f"{links.link_url(seller, rt.link_keys, rt.public_base_url)}/tickets/{ticket.reference}"
    locale = seller.locale if seller.locale in ("vi", "en") else "vi"
    return Message(event, ticket.reference, locale, sentence(event, ticket.reference, locale), url)


def gateway_body(ticket: Ticket, seller: Seller, message: Message) -> str:
    """The JSON the gateway receives (the exact bytes that are signed)."""
    return json.dumps({"event": message.event, "reference": message.reference, "seller_code": seller.code,
                       "phone": ticket.contact_phone or seller.phone, "locale": message.locale, "url": message.url,
                       "text": message.text}, ensure_ascii=False, separators=(",", ":"))


def push_body(message: Message) -> str:
    """The JSON the service worker receives, decrypted: a title, the sentence and the page to open."""
    with force_locale(message.locale):
        title = _("Support")
    return json.dumps({"title": title, "body": message.sentence, "url": message.url}, ensure_ascii=False,
                      separators=(",", ":"))


def _put(session: Session, ticket: Ticket, channel: str, subscription_id: int | None, kind: str, body: str,
         now: dt.datetime) -> None:
    """Rewrite the ticket's message on this channel that no pass has taken yet, or add one. The UPDATE
    only matches a row still at attempts 0: a pass that claims it first makes this add a new one."""
    sn = SellerNotification
    same_target = sn.subscription_id == subscription_id if subscription_id else sn.subscription_id.is_(None)
    rewritten = session.execute(
        update(sn).where(sn.ticket_id == ticket.id, sn.channel == channel, same_target, sn.status == "pending",
                         sn.attempts == 0)
        .values(event=kind, payload_json=body, next_attempt_at=now, updated_at=now).returning(sn.id),
        execution_options={"synchronize_session": False}).first()
    if rewritten is None:
        session.execute(insert(sn), [{
            "ticket_id": ticket.id, "seller_id": ticket.seller_id, "channel": channel,
            "subscription_id": subscription_id, "event": kind, "payload_json": body,
            "idempotency_key": uuid.uuid4().hex, "status": "pending", "attempts": 0, "next_attempt_at": now,
            "created_at": now, "updated_at": now}])


def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    for ticket, kind, now in pending.values():
        seller = ticket.seller
        if not seller.notify_enabled or seller.erased_at is not None:
            continue
        message = message_for(ticket, seller, kind)
        if gateway_configured():
            _put(session, ticket, "gateway", None, kind, gateway_body(ticket, seller, message), now)
        if webpush_configured():
            subscriptions = session.scalars(select(PushSubscription.id).where(PushSubscription.seller_id == seller.id)
                                            .order_by(PushSubscription.id)).all()
            for subscription_id in subscriptions:
                _put(session, ticket, "webpush", subscription_id, kind, push_body(message), now)


def _drop_pending(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


_LISTENERS = (("before_commit", _write_pending), ("after_soft_rollback", _drop_pending))


def init_app(app: Flask) -> None:
    """Write noted notifications when the portal's session commits, drop them when it rolls back.
    Registered on `db.session` once, however many apps are built (one per test)."""
    for name, listener in _LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


# --- the seller's switch and browsers ------------------------------------------------------

def set_enabled(seller: Seller, enabled: bool, *, now: dt.datetime) -> None:
    """Turn the seller's notifications on or off. Off, what is not sent yet is dropped: nothing
    reaches a seller who said no, not even a message written a moment before. Commits."""
    seller.notify_enabled, seller.updated_at = enabled, now
    if not enabled:
        db.session.execute(delete(SellerNotification).where(SellerNotification.seller_id == seller.id,
                                                            SellerNotification.status == "pending"))
    db.session.commit()


# the Push API's subscription: an https endpoint (http only for a test's push service on loopback,
# which the outbound guard refuses anyway unless OUTBOUND_ALLOW_PRIVATE) and two base64url keys
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _checked(endpoint: object, p256dh: object, auth: object) -> tuple[str, str, str]:
    message = _l("This browser's subscription could not be read; please try again.")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise InvalidInput(message, {"subscription": [message]})
    if (not endpoint.startswith(("https://", "http://")) or len(endpoint) > 2000
            or not _BASE64URL.fullmatch(p256dh) or not 80 <= len(p256dh) <= 100
            or not _BASE64URL.fullmatch(auth) or not 16 <= len(auth) <= 30):
        raise InvalidInput(message, {"subscription": [message]})
    return endpoint, p256dh, auth


def subscribe(seller: Seller, endpoint: object, p256dh: object, auth: object, *, now: dt.datetime) -> PushSubscription:
    """Keep a browser's push subscription for the seller (the same endpoint again replaces its keys,
    and moves to this seller if another had it: a browser belongs to whoever subscribed it last).
    Raises InvalidInput for a subscription that is not one. Commits."""
    endpoint, p256dh, auth = _checked(endpoint, p256dh, auth)
    subscription = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if subscription is not None and subscription.seller_id != seller.id:
        _forget(subscription)
        subscription = None
    if subscription is None:
        subscription = PushSubscription(seller_id=seller.id, endpoint=endpoint, created_at=now)
        db.session.add(subscription)
    subscription.p256dh, subscription.auth = p256dh, auth
    db.session.commit()
    return subscription


def _forget(subscription: PushSubscription) -> None:
    db.session.execute(delete(SellerNotification).where(SellerNotification.subscription_id == subscription.id))
    db.session.delete(subscription)
    db.session.flush()


def unsubscribe(seller: Seller, endpoint: object) -> bool:
    """Forget the seller's browser with this endpoint, and what was waiting for it; False when the
    seller had no such subscription. Commits."""
    subscription = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == str(endpoint or ""), PushSubscription.seller_id == seller.id))
    if subscription is None:
        return False
    _forget(subscription)
    db.session.commit()
    return True


def subscription_count(seller: Seller) -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription)
                             .where(PushSubscription.seller_id == seller.id)) or 0


# --- /admin: what could not be delivered ---------------------------------------------------

@dataclass(frozen=True)
class Undelivered:
    id: int
    reference: str
    seller_code: str
    channel: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    updated_at: dt.datetime


def undelivered(limit: int = 200) -> list[Undelivered]:
    """Dead and refused notifications, the latest first, for an admin to look at and send again."""
    sn = SellerNotification
    rows = db.session.execute(
        select(sn.id, Ticket.reference, Seller.code, sn.channel, sn.event, sn.status, sn.attempts,
               sn.last_status_code, sn.last_error, sn.updated_at)
        .join(Ticket, Ticket.id == sn.ticket_id).join(Seller, Seller.id == sn.seller_id)
        .where(sn.status.in_(("dead", "refused"))).order_by(sn.updated_at.desc(), sn.id.desc()).limit(limit))
    return [Undelivered(*row) for row in rows]


def send_again(notification_id: int, *, now: dt.datetime, actor: User | None = None) -> SellerNotification:
    """Put a dead or refused notification back to pending, due now, with its tries counted from
    zero (and the same idempotency key); audited. NotFound for another id. Commits."""
    row = db.session.get(SellerNotification, notification_id)
    if row is None or row.status not in ("dead", "refused"):
        raise NotFound(_l("No undelivered notification with that number."))
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status, row.attempts, row.next_attempt_at, row.updated_at = "pending", 0, now, now
    row.last_error, row.last_status_code = None, None
    audit.record("seller_notification.sent_again", "seller_notification", str(row.id), before=before,
                 after={"status": "pending", "attempts": 0}, now=now, actor=actor)
    db.session.commit()
    return row
