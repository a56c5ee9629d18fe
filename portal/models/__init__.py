"""Tables of the portal, one module per part: base (roles, index conditions, the UTC column
type), people, tickets, parcels, leads, operations. Everything is imported from here: `from portal.models import X`.
Timestamps are stored in UTC and come back timezone-aware."""
from __future__ import annotations

from .base import (
    MERGED,
    OPEN_TICKET,
    ROLES,
    SWEEP_AT_RISK,
    SWEEP_BREACH,
    SWEEP_ESCALATE,
    UTCDateTime,
)
from .leads import LeadRequest
from .notifications import (
    SELLER_NOTIFY_CHANNELS,
    SELLER_NOTIFY_EVENTS,
    SELLER_NOTIFY_STATUSES,
    PushSubscription,
    SellerNotification,
)
from .operations import (
    WEBHOOK_EVENTS,
    WEBHOOK_STATUSES,
    AuditEvent,
    RoutingRuleSet,
    SchedulerHeartbeat,
    SlaPolicy,
    WebhookDelivery,
    WebhookEndpoint,
)
from .parcels import IntegrationToken, SelfServiceEvent, ShipmentEvent
from .people import ApiToken, Department, Seller, StaffSession, User, user_departments
from .reasons import SEED_REASONS, ResolutionReason
from .tickets import (
    Attachment,
    CannedReply,
    Event,
    Message,
    Notification,
    Shipment,
    Ticket,
    TicketPresence,
    TicketTracking,
)

__all__ = [
    "MERGED", "OPEN_TICKET", "ROLES", "SWEEP_AT_RISK", "SWEEP_BREACH", "SWEEP_ESCALATE", "UTCDateTime",
    "WEBHOOK_EVENTS", "WEBHOOK_STATUSES", "AuditEvent", "RoutingRuleSet", "SchedulerHeartbeat", "SlaPolicy",
    "WebhookDelivery", "WebhookEndpoint",
    "ApiToken", "Department", "Seller", "StaffSession", "User", "user_departments",
    "Attachment", "CannedReply", "Event", "Message", "Notification", "Shipment", "Ticket", "TicketPresence",
    "TicketTracking",
    "IntegrationToken", "SelfServiceEvent", "ShipmentEvent",
    "LeadRequest",
    "SEED_REASONS", "ResolutionReason",
    "SELLER_NOTIFY_CHANNELS", "SELLER_NOTIFY_EVENTS", "SELLER_NOTIFY_STATUSES", "PushSubscription",
    "SellerNotification",
]
