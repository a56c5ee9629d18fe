"""A ticket and what hangs on it: tracking numbers, messages, attachments, history, notifications,
presence; the shipments it may be about, and the departments' canned replies."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vocabulary import OPEN_STATUSES

from ..clock import utcnow
from ..extensions import db
from .base import MERGED, OPEN_TICKET, SWEEP_AT_RISK, SWEEP_BREACH, SWEEP_ESCALATE, UTCDateTime
from .people import Department, Seller, User


class Ticket(db.Model):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    # no index of its own: ix_tickets_seller_created and the (seller, submission key) key start with it
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    category: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(24), default="new")
    tracking_numbers: Mapped[str] = mapped_column(Text, default="")  # space separated, normalised
    description: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased, diacritics stripped
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    at_risk_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    self_resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    routing_explanation: Mapped[str] = mapped_column(Text, default="")
    routing_rule_version: Mapped[str | None] = mapped_column(String(64))
    at_risk_marked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    manager_escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # the latest public staff reply, and the latest one the seller has seen on the ticket's page: the
    # seller's list marks a ticket new from its own row (migration 0017)
    last_staff_reply_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seller_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submission_key: Mapped[str | None] = mapped_column(String(64))
    # when a re-applied policy last moved the promised first-response time (the seller sees it marked)
    promise_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # why staff resolved it: a resolution_reasons code, kept when the ticket is reopened (migration 0019)
    resolution_reason: Mapped[str | None] = mapped_column(String(32))
    seller: Mapped[Seller] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("seller_id", "submission_key", name="uq_tickets_seller_submission"),
        CheckConstraint("csat_score IS NULL OR csat_score BETWEEN 1 AND 5", name="csat_range"),
        Index("ix_tickets_queue", "department_id", "status", "first_response_due_at", "id"),
        Index("ix_tickets_due", "first_response_due_at", "id"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        # the SLA sweep reads only tickets still waiting for their first response
        Index("ix_tickets_sla_at_risk", "at_risk_at", sqlite_where=text(SWEEP_AT_RISK),
              postgresql_where=text(SWEEP_AT_RISK)),
        Index("ix_tickets_sla_breach", "first_response_due_at", sqlite_where=text(SWEEP_BREACH),
              postgresql_where=text(SWEEP_BREACH)),
        Index("ix_tickets_sla_escalate", "first_response_due_at", sqlite_where=text(SWEEP_ESCALATE),
              postgresql_where=text(SWEEP_ESCALATE)),
        # the seller's page lists their latest tickets straight from this index
        Index("ix_tickets_seller_created", "seller_id", "created_at", "id"),
        # the few merged tickets only (for the foreign key's checks): a new ticket adds no entry
        Index("ix_tickets_merged_into_id", "merged_into_id", sqlite_where=text(MERGED),
              postgresql_where=text(MERGED)),
        # the inbox's default view, open tickets soonest due first, for one department or for all
        # (used when a query names the statuses literally, as inbox.queue does). Without them both
        # databases read every ticket in due order and skip the resolved and closed ones, which come
        # first and grow with the history (SQLite since 0009, PostgreSQL since 0014)
        Index("ix_tickets_open_queue", "department_id", "first_response_due_at", "id", sqlite_where=text(OPEN_TICKET),
              postgresql_where=text(OPEN_TICKET)),
        Index("ix_tickets_open_due", "first_response_due_at", "id", sqlite_where=text(OPEN_TICKET),
              postgresql_where=text(OPEN_TICKET)),
        # word search (LIKE '%word%') on PostgreSQL only: SQLite has the tickets_search FTS5 table
        # instead (migration 0009, kept in step by triggers, so not declared here)
        Index("ix_tickets_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}, info={"only_on": "postgresql"},
              ).ddl_if(dialect="postgresql"),
    )

    @property
    def tracking_list(self) -> list[str]:
        return self.tracking_numbers.split() if self.tracking_numbers else []

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_unseen_reply(self) -> bool:
        """A public staff reply came that the seller has not seen on the ticket's page."""
        return unseen_reply(self.last_staff_reply_at, self.seller_seen_at)


def unseen_reply(last_staff_reply_at: dt.datetime | None, seller_seen_at: dt.datetime | None) -> bool:
    """Whether a ticket with these two instants has a staff reply its seller has not opened."""
    return last_staff_reply_at is not None and (seller_seen_at is None or seller_seen_at < last_staff_reply_at)


class TicketTracking(db.Model):
    """One row per tracking number of a ticket, so search by tracking number is an index lookup."""

    __tablename__ = "ticket_tracking"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)


class Message(db.Model):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    author_kind: Mapped[str] = mapped_column(String(16))  # seller, staff, system
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin", order_by="Attachment.id")


class Attachment(db.Model):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    filename: Mapped[str] = mapped_column(String(255))  # sanitised name shown to people
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)  # random name on disk
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(db.Model):
    """Append-only history of a ticket."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(120), default="system")
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (Index("ix_events_ticket", "ticket_id", "id"), Index("ix_events_kind", "kind", "ticket_id"))

    @property
    def data(self) -> dict:
        return json.loads(self.data_json or "{}")


class Shipment(db.Model):
    """Latest known status of a parcel, from the carrier's feed or an import: the newest event by
    its occurred_at (event_at). A parcel with a seller code is that seller's alone; one without is
    shown to any seller who gives its number, as a carrier's public tracking page does."""

    __tablename__ = "shipments"
    tracking_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(64))
    last_event: Mapped[str] = mapped_column(Text, default="")
    event_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seller_code: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(db.Model):
    """In-app notice for one staff member (escalations, assignments)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)


class TicketPresence(db.Model):
    """Who has a ticket open right now (refreshed by the page while it stays open)."""

    __tablename__ = "ticket_presence"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class CannedReply(db.Model):
    """A department's ready-made answer; {seller_name} and {reference} are filled in."""

    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
