"""Running the portal: webhook endpoints and their outbox, SLA policy versions, scheduler
heartbeats, the audit trail and routing rule versions."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime

WEBHOOK_EVENTS = ("sla_at_risk", "sla_breached", "escalated", "ticket_created", "ticket_replied", "ticket_resolved",
                  "lead_requested")
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
