"""Telling sellers that staff answered: the outbox of seller notifications (one row per ticket and
channel, or per Web Push subscription) and the browsers that asked for Web Push."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime

SELLER_NOTIFY_EVENTS = ("staff_replied", "waiting_on_seller", "ticket_resolved")  # lightest first
SELLER_NOTIFY_CHANNELS = ("gateway", "webpush")
# dead: given up after the last try; refused: the outbound guard refused the destination (not retried)
SELLER_NOTIFY_STATUSES = ("pending", "delivered", "dead", "refused")


class PushSubscription(db.Model):
    """One browser a seller asked to be notified on (the Push API's subscription). Removed when the
    seller turns it off, or when the push service answers 404 or 410 (the browser dropped it)."""

    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))  # the browser's public key, base64url
    auth: Mapped[str] = mapped_column(String(100))  # the browser's auth secret, base64url
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SellerNotification(db.Model):
    """One message to a seller on one channel, written in the same transaction as the staff change
    it tells of. Until a delivery pass takes it (attempts 0), a newer change of the same ticket on
    the same channel rewrites it, so a burst of replies sends one message saying the latest."""

    __tablename__ = "seller_notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("push_subscriptions.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    payload_json: Mapped[str] = mapped_column(Text)  # the exact body that is posted (gateway) or encrypted (push)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)  # X-Portal-Delivery, the same on retries
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'dead', 'refused')", name="status"),
        CheckConstraint("channel IN ('gateway', 'webpush')", name="channel"),
        Index("ix_seller_notifications_due", "status", "next_attempt_at"),
    )

