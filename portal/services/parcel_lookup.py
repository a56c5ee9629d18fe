"""The parcel statuses a seller may read, before any ticket: on the form as they type tracking numbers,
on the "Check status" page, and through the seller API. A parcel with a seller code is that seller's
alone; one without is shown to any seller who gives its number, as a carrier's public tracking page
does. A number the seller may not see reads exactly as one the portal has never heard of.

"This answers my question" is recorded as a self-service event (no ticket) for the reports."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

import normalize
import vocabulary

from ..extensions import db
from ..models import SelfServiceEvent, Seller, Shipment
from .errors import InvalidInput

# numbers looked up at once: a ticket may hold more, the page shows the first ones
MAX_LOOKUP = 20


@dataclass(frozen=True)
class ParcelStatus:
    """One tracking number as its seller may read it; `status` None: the portal has no news of it."""

    tracking_number: str
    status: str | None = None
    status_label: str | None = None
    hint: str | None = None
    last_event: str | None = None
    event_at: dt.datetime | None = None

    @property
    def known(self) -> bool:
        return self.status is not None

    def as_json(self) -> dict:
        """The API's representation (PRODUCT.md): times as ISO 8601 UTC."""
        return {"tracking_number": self.tracking_number, "status": self.status, "status_label": self.status_label,
                "hint": self.hint, "last_event": self.last_event,
                "event_at": self.event_at.isoformat() if self.event_at else None}


def visible_to(seller_code: str):
    """The SQL condition for the parcels seller `seller_code` may see: their own and those of nobody
    (a blank code from an import counts as none)."""
    return or_(Shipment.seller_code.is_(None), Shipment.seller_code == "", Shipment.seller_code == seller_code)


def visible_shipments(seller_code: str, numbers: Sequence[str]) -> list[Shipment]:
    """The parcels of `numbers` that seller `seller_code` may see, in the order of `numbers`."""
    if not numbers:
        return []
    found = {s.tracking_number: s for s in db.session.scalars(
        select(Shipment).where(Shipment.tracking_number.in_(list(numbers)), visible_to(seller_code)))}
    return [found[n] for n in numbers if n in found]


def status_of(shipment: Shipment) -> ParcelStatus:
    """A parcel's status in the request's language; a status outside the vocabulary is shown as the
    carrier gave it, without a hint."""
    code = shipment.status
    label = vocabulary.SHIPMENT_STATUS_LABELS.get(code)
    hint = vocabulary.SHIPMENT_STATUS_HINTS.get(code)
    return ParcelStatus(tracking_number=shipment.tracking_number, status=code,
                        status_label=gettext(label) if label else code, hint=gettext(hint) if hint else None,
                        last_event=shipment.last_event or "", event_at=shipment.event_at)


def lookup(seller: Seller, numbers: Sequence[str]) -> list[ParcelStatus]:
    """Each number with its status as `seller` may read it, unknown ones included, in order."""
    found = {s.tracking_number: s for s in visible_shipments(seller.code, numbers)}
    return [status_of(found[n]) if n in found else ParcelStatus(n) for n in numbers]


def lookup_one(seller: Seller, raw_number: str) -> ParcelStatus | None:
    """One number (normalised as the form does) as `seller` may read it; None when the portal has
    no news of it for this seller, or when it is no tracking number at all."""
    try:
        numbers = normalize.tracking_numbers(raw_number)
    except normalize.NormalizeError:
        return None
    if len(numbers) != 1:
        return None
    found = lookup(seller, numbers)[0]
    return found if found.known else None


@dataclass(frozen=True)
class Numbers:
    """The numbers to look up, and whether more were given than are looked up at once."""

    numbers: list[str]
    more: bool


def numbers_to_look_up(raw: str | None) -> Numbers:
    """The seller's text split and normalised as the form does, the first MAX_LOOKUP kept. Raises
    InvalidInput naming numbers that are not tracking numbers."""
    try:
        numbers = normalize.tracking_numbers(raw)
    except normalize.NormalizeError as exc:
        raise InvalidInput(exc.text(gettext), {"tracking": [exc.text(gettext)]}) from None
    if not numbers:
        message = _l("Enter one or more tracking numbers to check.")
        raise InvalidInput(message, {"tracking": [message]})
    return Numbers(numbers[:MAX_LOOKUP], len(numbers) > MAX_LOOKUP)


def offers_self_service(category: str | None) -> bool:
    """Only questions about a parcel can be answered by its status: never finance, app bugs or other."""
    return category in vocabulary.TRACKING_REQUIRED


def record_answer(seller: Seller, category: str | None, raw_numbers: str | None, *,
                  now: dt.datetime) -> SelfServiceEvent:
    """The seller's question answered by the statuses shown ("This answers my question"): one
    self-service event with the numbers and the statuses read again now, committed; no ticket.
    Refused (InvalidInput) for a category the status cannot answer, or numbers the portal knows
    nothing of: there was no answer to accept."""
    if not offers_self_service(category):
        raise InvalidInput(_l("A parcel status cannot answer this kind of question; please send a ticket."))
    statuses = lookup(seller, numbers_to_look_up(raw_numbers).numbers)
    known = [s for s in statuses if s.known]
    if not known:
        raise InvalidInput(_l("We have no news of these parcels yet; please send a ticket."))
    event = SelfServiceEvent(seller_id=seller.id, category=category,
                             tracking_numbers=" ".join(s.tracking_number for s in known),
                             statuses=" ".join("_".join(s.status.split()) for s in known), created_at=now)
    db.session.add(event)
    db.session.commit()
    return event
