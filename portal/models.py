"""Tables of the portal. Timestamps are stored in UTC and come back timezone-aware."""
from __future__ import annotations

import datetime as dt
import json

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import db

CATEGORIES = ("delivery_delay", "order_return_status", "finance", "app_bug", "other")
PRIORITIES = ("normal", "high", "urgent")
STATUSES = ("new", "open", "waiting_on_seller", "resolved", "closed")
ROLES = ("agent", "lead", "manager", "admin")
OPEN_STATUSES = ("new", "open", "waiting_on_seller")
# Conditions of the SLA sweep's partial indexes: only tickets still waiting for a first response
# are in them, so a sweep costs what is near or past due, not what is in the database.
_WAITING = "first_responded_at IS NULL AND status IN ('new', 'open', 'waiting_on_seller')"
SWEEP_AT_RISK = f"{_WAITING} AND at_risk_marked_at IS NULL"
MERGED = "merged_into_id IS NOT NULL"
SWEEP_BREACH = f"{_WAITING} AND breached_at IS NULL"
SWEEP_ESCALATE = f"{_WAITING} AND manager_escalated_at IS NULL"
# condition of the inbox's partial indexes (migration 0009)
OPEN_TICKET = "status IN ('new', 'open', 'waiting_on_seller')"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A UTC instant: aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


user_departments = Table(
    "user_departments", db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class Department(db.Model):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_vi: Mapped[str | None] = mapped_column(String(120))
    # JSON of sla.calendar_to_dict; NULL means open 24/7
    calendar_json: Mapped[str | None] = mapped_column(Text)

    @property
    def calendar_data(self) -> dict | None:
        return json.loads(self.calendar_json) if self.calendar_json else None


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    departments: Mapped[list[Department]] = relationship(secondary=user_departments, lazy="selectin")
    __table_args__ = (CheckConstraint("role IN ('agent', 'lead', 'manager', 'admin')", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def sees_all_departments(self) -> bool:
        return self.role in ("manager", "admin")

    # the key of the staff session this object was loaded for (services.staff_sessions): what
    # Flask-Login keeps in the cookie, so that ending the session on the server ends it for good
    session_key = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("a user is logged in through services.staff_sessions.start")
        return self.session_key


class StaffSession(db.Model):
    """One login of a staff member. The cookie carries a random key whose SHA-256 is stored here;
    the session works while its row is not ended and younger than the absolute lifetime. Logout,
    a password change, a deactivation or a role change end rows, so copied cookies stop working."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout, password, deactivated, role
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    user: Mapped[User] = relationship(lazy="joined")
    __table_args__ = (Index("ix_staff_sessions_user", "user_id", "ended_at"),)


class Seller(db.Model):
    __tablename__ = "sellers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    # bumped by revocation: every link signed with an older version stops working
    link_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # set by `sellers forget`: name and phone are blank since then, the tickets stay (anonymous)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


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
    submission_key: Mapped[str | None] = mapped_column(String(64))
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
    """Latest known status of a parcel, imported from the carrier's system."""

    __tablename__ = "shipments"
    tracking_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(64))
    last_event: Mapped[str] = mapped_column(Text, default="")
    event_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
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


WEBHOOK_EVENTS = ("sla_at_risk", "sla_breached", "escalated", "ticket_created", "ticket_replied", "ticket_resolved")
# refused: the outbound guard refused the destination (portal/outbound.py); not retried
WEBHOOK_STATUSES = ("pending", "delivered", "failed", "refused")


class WebhookEndpoint(db.Model):
    """A URL that receives signed JSON posts for the event kinds it subscribes to."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(Text, default="")  # comma separated event kinds
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def event_kinds(self) -> list[str]:
        return [kind for kind in self.events.split(",") if kind]


class WebhookDelivery(db.Model):
    """One event to post to one endpoint (the outbox): written in the event's own transaction,
    sent later by the delivery pass, retried with backoff until delivered or failed, or refused at
    once when the outbound guard refuses its destination."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_kind: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    payload_json: Mapped[str] = mapped_column(Text)  # the exact body that is posted and signed
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed', 'refused')", name="status"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )


class SlaPolicy(db.Model):
    """A version of the SLA policy for a department and priority (NULL: any). Only the newest
    version of each (department, priority) is active; older ones are kept for the record."""

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[str | None] = mapped_column(String(16))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    at_risk_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="system")
    __table_args__ = (Index("ix_sla_policies_key", "department_id", "priority", "version"),)


class SchedulerHeartbeat(db.Model):
    """When each scheduler job last finished, so /healthz can tell whether the scheduler runs."""

    __tablename__ = "scheduler_heartbeats"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(db.Model):
    """One change made through the admin console or the CLI: who, when, what, before and after.
    Append-only, like a ticket's history."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(254), default="system")
    action: Mapped[str] = mapped_column(String(48))  # e.g. seller.added, user.deactivated, routing.saved
    target_kind: Mapped[str] = mapped_column(String(32))  # seller, user, department, routing, policy, ...
    target_label: Mapped[str] = mapped_column(String(254), default="")  # seller code, e-mail, department code
    before_json: Mapped[str | None] = mapped_column(Text)  # None when the thing did not exist before
    after_json: Mapped[str | None] = mapped_column(Text)  # None when it no longer exists
    __table_args__ = (
        Index("ix_audit_events_created", "created_at"),
        Index("ix_audit_events_target", "target_kind", "target_label"),
    )

    @property
    def before(self) -> dict | None:
        return None if self.before_json is None else json.loads(self.before_json)

    @property
    def after(self) -> dict | None:
        return None if self.after_json is None else json.loads(self.after_json)


class RoutingRuleSet(db.Model):
    """A saved version of the routing rules (the JSON of routing/default_rules.json). The newest
    row is what new tickets are routed by; older rows stay so every ticket's explanation can name
    the version that routed it."""

    __tablename__ = "routing_rule_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules_json: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="system")


class ApiToken(db.Model):
    """A staff member's personal API token. Only its SHA-256 is stored; the token itself is shown
    once, when an admin issues it. Revoked tokens stay for the record."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # what it is for, e.g. "ERP sync"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to recognise it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="system")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")
