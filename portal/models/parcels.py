"""Parcels as the carrier reports them: each event received (from the live feed or an import), the
integration tokens the carrier's system posts with, and the questions sellers answered themselves
from a parcel's status before writing a ticket."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime


class ShipmentEvent(db.Model):
    """One carrier event of a parcel, kept even when it is older than the parcel's current status
    (it belongs to the parcel's history, but never overwrites a newer status). The same event
    (tracking number, status, occurred_at) is stored once: a repeat is ignored."""

    __tablename__ = "shipment_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(Text, default="")  # the carrier's own words
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seller_code: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="feed")  # feed, import
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("tracking_number", "status", "occurred_at", name="uq_shipment_events_event"),
        Index("ix_shipment_events_parcel", "tracking_number", "occurred_at"),
    )


class IntegrationToken(db.Model):
    """A token a carrier's (or another) system posts parcel events with. Only its SHA-256 is
    stored; the token is printed once, when `integrations token --name` makes it. Revoked tokens
    stay for the record."""

    __tablename__ = "integration_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to recognise it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="system")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SelfServiceEvent(db.Model):
    """A seller's question answered by a parcel's status on the form ("This answers my question"):
    no ticket was written. Reports count them per category and day beside the tickets."""

    __tablename__ = "self_service_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    category: Mapped[str] = mapped_column(String(32))
    tracking_numbers: Mapped[str] = mapped_column(Text, default="")  # space separated, normalised
    statuses: Mapped[str] = mapped_column(Text, default="")  # the statuses shown, in the same order
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        Index("ix_self_service_events_created", "created_at"),
        Index("ix_self_service_events_seller", "seller_id", "created_at"),
    )
