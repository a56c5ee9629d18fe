"""The portal's words: ticket categories, statuses and priorities, parcel (shipment) statuses, and the
English labels people read for each. Every list lives here once; models, forms, routing, sla, the
templates and the API take theirs from this module.

Pure: nothing from Flask, SQLAlchemy or portal, so the pure cores can use it too. The labels are
English source texts marked with `N_` for Babel's extraction (`make translations-update` finds
them through babel.cfg) and translated where they are shown, in the page's language: by
portal.templating for the templates, by the forms for their choices."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def N_(message: str) -> str:  # noqa: N802 - the marker's name Babel's extractor knows
    """Mark an English text for the message catalogue without translating it here."""
    return message


def _labels(labels: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(labels)


# --- tickets -----------------------------------------------------------------------------------

CATEGORIES: tuple[str, ...] = ("delivery_delay", "order_return_status", "finance", "app_bug", "other")
# in lists, a ticket page, a report
CATEGORY_LABELS = _labels({
    "delivery_delay": N_("Pickup / delivery delay"),
    "order_return_status": N_("Order / return status"),
    "finance": N_("Finance"),
    "app_bug": N_("App bug"),
    "other": N_("Other"),
})
# the seller's choice on the form, which says more
CATEGORY_CHOICE_LABELS = _labels({
    "delivery_delay": N_("Pickup or delivery delay"),
    "order_return_status": N_("Order or return (RTS) status"),
    "finance": N_("Finance: COD remittance, fees, invoices, refunds"),
    "app_bug": N_("Problem with the seller app or web dashboard"),
    "other": N_("Other / not sure"),
})
# categories where the tracking number is the heart of the question
TRACKING_REQUIRED: frozenset[str] = frozenset({"delivery_delay", "order_return_status"})

STATUSES: tuple[str, ...] = ("new", "open", "waiting_on_seller", "resolved", "closed")
# still waiting for someone: in the queue, counted by the SLA
OPEN_STATUSES: tuple[str, ...] = ("new", "open", "waiting_on_seller")
# the status as the seller reads it
STATUS_LABELS = _labels({
    "new": N_("New"),
    "open": N_("Open"),
    "waiting_on_seller": N_("Waiting for you"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
})
# the same statuses as staff say them
STAFF_STATUS_LABELS = _labels({
    "new": N_("new"),
    "open": N_("open"),
    "waiting_on_seller": N_("waiting on seller"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
})
# the queue filter's choice of every status, open or not
ANY_STATUS = "all"
ANY_STATUS_LABEL = N_("all")

PRIORITIES: tuple[str, ...] = ("normal", "high", "urgent")  # lowest first
PRIORITY_LABELS = _labels({"normal": N_("normal"), "high": N_("high"), "urgent": N_("urgent")})

# --- staff ---------------------------------------------------------------------------------------

ROLES: tuple[str, ...] = ("agent", "lead", "manager", "admin")
ROLE_LABELS = _labels({"agent": N_("Agent"), "lead": N_("Team lead"), "manager": N_("Manager"),
                       "admin": N_("Administrator")})

# --- parcels -----------------------------------------------------------------------------------

# the carrier's statuses the portal knows (PRODUCT.md); a feed or an import may bring others, which
# are kept and shown as they came
SHIPMENT_STATUSES: tuple[str, ...] = ("created", "pending_pickup", "picked_up", "in_transit", "out_for_delivery",
                                      "delivered", "delivery_failed", "returning", "returned", "cancelled",
                                      "on_hold")
SHIPMENT_STATUS_LABELS = _labels({
    "created": N_("Order created"),
    "pending_pickup": N_("Waiting for pickup"),
    "picked_up": N_("Picked up"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "delivered": N_("Delivered"),
    "delivery_failed": N_("Delivery failed"),
    "returning": N_("Returning to the seller"),
    "returned": N_("Returned to the seller"),
    "cancelled": N_("Cancelled"),
    "on_hold": N_("On hold"),
})
# one line for the seller: what happens next, or what they can do
SHIPMENT_STATUS_HINTS = _labels({
    "created": N_("The order is registered; the courier has not been asked to pick it up yet."),
    "pending_pickup": N_("A courier will come for the parcel, usually within one working day."),
    "picked_up": N_("The courier has the parcel; it goes to the sorting hub next."),
    "in_transit": N_("The parcel is on its way between hubs; no action is needed."),
    "out_for_delivery": N_("A courier delivers the parcel today; keep the buyer's phone reachable."),
    "delivered": N_("The buyer has received the parcel; COD money follows in the next remittance."),
    "delivery_failed": N_("The courier tries again on the next working day; to change the address or phone, "
                          "write to us before then."),
    "returning": N_("The parcel is coming back to you; no further delivery attempt is made."),
    "returned": N_("The parcel is back with you; check it and tell us within 3 days if something is wrong."),
    "cancelled": N_("The order was cancelled; no pickup or delivery will happen."),
    "on_hold": N_("The parcel is held at the hub, usually for a wrong address or a buyer's request; "
                  "write to us to release it."),
})
# the statuses after which nothing more happens to the parcel
SHIPMENT_FINAL_STATUSES: frozenset[str] = frozenset({"delivered", "returned", "cancelled"})


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """`column IN ('a', 'b')`: a partial index's condition written from a list here."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"
