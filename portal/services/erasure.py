"""`sellers forget CODE`: a seller's right to erasure (Vietnam's Decree 13/2023 on personal data
protection). The seller's personal data goes; their tickets stay, anonymous, so that every figure
(SLA reports, dashboards, CSAT) keeps counting them.

Erased: the seller's name and phone; on every ticket of theirs the description, the contact phone,
the CSAT comment and the personal words of the search text (which keeps the reference, seller code
and tracking numbers, so staff still find the ticket); the text of every message on those tickets
(the seller's, staff replies that may quote them, internal notes) and the reasons of their requests
for a team lead (counted with the messages); their attachments (rows, then files); the message
bodies and lead-request reasons inside the webhook deliveries of those tickets; the name and phone
kept in the audit trail's earlier records of that seller; their seller notifications and Web Push
subscriptions. Their links are revoked.

Kept: the seller code, the company's own id for the seller, not a person's name or contact: it
is what ties the anonymous tickets to the erasure request (the audit record names it) and what
keeps `--by seller` reports grouped, and it identifies nobody outside the company's own records,
which the company answers for with the same request. Also kept: category, department, priority,
status, tracking numbers (parcels, not people), every time and SLA mark, the CSAT score, the
ticket history and who handled it.

One transaction: a failure erases nothing. Files are removed after the commit. A second run finds
nothing left and changes nothing."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update

from ..extensions import db
from ..models import (
    Attachment,
    AuditEvent,
    LeadRequest,
    Message,
    PushSubscription,
    Seller,
    SellerNotification,
    Ticket,
    User,
    WebhookDelivery,
)
from . import audit, links, retention
from .errors import NotFound
from .tickets import search_text

# keys of a webhook payload that hold text people wrote (see webhooks: message.body of ticket_replied)
PAYLOAD_TEXT = frozenset({"body", "description", "contact_phone", "phone", "comment", "csat_comment", "seller_name",
                          "reason"})
# fields of the audit trail's seller records that are personal data
AUDIT_FIELDS = ("name", "phone")


@dataclass(frozen=True)
class Erasure:
    seller_code: str
    name: int  # 1 when a name was erased
    phone: int
    tickets: int  # tickets that held personal text (description, contact phone, CSAT comment, search words)
    messages: int
    attachments: int
    files: int  # attachment files removed from disk
    webhook_deliveries: int
    audit_events: int
    link_version: int | None = None  # the new key version, when links were revoked

    @property
    def nothing(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name not in ("seller_code", "link_version"))

    def line(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                        if f.name not in ("seller_code", "link_version"))


def _scrub(value):
    """A JSON value with every text field named in PAYLOAD_TEXT emptied."""
    if isinstance(value, dict):
        return {k: ("" if k in PAYLOAD_TEXT and isinstance(v, str) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _codes_of(seller: Seller) -> set[str]:
    """Every code the seller has had: the audit trail names a seller by their code at the time, and
    an edit records the code before and after."""
    codes, frontier = {seller.code}, [seller.code]
    while frontier:
        code = frontier.pop()
        for before_json in db.session.scalars(select(AuditEvent.before_json).where(
                AuditEvent.target_kind == "seller", AuditEvent.target_label == code,
                AuditEvent.action == "seller.edited")):
            old = json.loads(before_json or "{}").get("code")
            if old and old not in codes:
                codes.add(old)
                frontier.append(old)
    return codes


def _scrub_audit(seller: Seller) -> int:
    """Blank the name and phone in the audit trail's records of the seller; returns how many changed.
    The records themselves stay: who changed what, and when, is not the seller's personal data."""
    changed = 0
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.target_kind == "seller",
                                                             AuditEvent.target_label.in_(_codes_of(seller)))):
        touched = False
        for column in ("before_json", "after_json"):
            state = json.loads(getattr(event, column) or "null")
            if isinstance(state, dict) and any(state.get(k) is not None for k in AUDIT_FIELDS):
                state.update({k: None for k in AUDIT_FIELDS if k in state})
                setattr(event, column, json.dumps(state, ensure_ascii=False, sort_keys=True))
                touched = True
        changed += touched
    return changed


def _erase_tickets(seller: Seller) -> int:
    rows = db.session.execute(select(Ticket.id, Ticket.reference, Ticket.tracking_numbers, Ticket.description,
                                     Ticket.contact_phone, Ticket.csat_comment, Ticket.search_text)
                              .where(Ticket.seller_id == seller.id)).all()
    changes = []
    for ticket_id, reference, tracking, description, phone, comment, searched in rows:
        kept = search_text(reference, seller.code, tracking)
        if description or phone is not None or comment is not None or searched != kept:
            changes.append({"ticket_id": ticket_id, "kept": kept})
    if changes:
        # on SQLite the search index (tickets_search) follows search_text through its update trigger;
        # PostgreSQL's trigram index follows the column itself
        table = Ticket.__table__
        db.session.connection().execute(
            update(table).where(table.c.id == bindparam("ticket_id"))
            .values(description="", contact_phone=None, csat_comment=None, search_text=bindparam("kept")), changes)
    return len(changes)


def _erase_webhook_payloads(ticket_ids) -> int:
    changes = []
    for delivery_id, payload in db.session.execute(select(WebhookDelivery.id, WebhookDelivery.payload_json)
                                                   .where(WebhookDelivery.ticket_id.in_(ticket_ids))):
        try:
            scrubbed = json.dumps(_scrub(json.loads(payload)), ensure_ascii=False, separators=(",", ":"))
        except ValueError:
            scrubbed = "{}"
        if scrubbed != payload:
            changes.append({"delivery_id": delivery_id, "payload": scrubbed})
    if changes:
        table = WebhookDelivery.__table__
        db.session.connection().execute(update(table).where(table.c.id == bindparam("delivery_id"))
                                        .values(payload_json=bindparam("payload")), changes)
    return len(changes)


def forget_seller(code: str, *, now: dt.datetime, upload_dir: str, actor: User | None = None,
                  actor_label: str | None = None) -> Erasure:
    """Erase the personal data of the seller with this code (see the module's docstring for what
    goes and what stays), revoke their links and record `seller.erased` (counts only), all in one
    transaction; then remove their attachment files. Returns what was erased; when nothing was
    left, nothing is written. NotFound for an unknown code."""
    try:
        seller = db.session.scalar(select(Seller).where(Seller.code == code).with_for_update())
        if seller is None:
            raise NotFound(_l("No seller with code %(code)s.", code=code))
        ticket_ids = select(Ticket.id).where(Ticket.seller_id == seller.id).scalar_subquery()
        messages = db.session.execute(update(Message).where(Message.ticket_id.in_(ticket_ids), Message.body != "")
                                      .values(body=""), execution_options={"synchronize_session": False}).rowcount
        # a request to a team lead is the seller's message too, counted with them
        messages += db.session.execute(update(LeadRequest).where(LeadRequest.ticket_id.in_(ticket_ids),
                                                                 LeadRequest.reason != "").values(reason=""),
                                       execution_options={"synchronize_session": False}).rowcount
        stored = db.session.scalars(delete(Attachment).where(Attachment.ticket_id.in_(ticket_ids))
                                    .returning(Attachment.stored_name),
                                    execution_options={"synchronize_session": False}).all()
        found = Erasure(seller.code, name=int(bool(seller.name)), phone=int(seller.phone is not None),
                        tickets=_erase_tickets(seller), messages=messages, attachments=len(stored), files=0,
                        webhook_deliveries=_erase_webhook_payloads(ticket_ids), audit_events=_scrub_audit(seller))
        if found.nothing:
            db.session.rollback()
            return found
        # seller notifications hold the phone and a link; erased sellers are sent nothing more
        db.session.execute(delete(SellerNotification).where(SellerNotification.seller_id == seller.id))
        db.session.execute(delete(PushSubscription).where(PushSubscription.seller_id == seller.id))
        seller.name, seller.phone, seller.erased_at, seller.updated_at = "", None, now, now
        version = links.bump_version(seller)
        audit.record("seller.erased", "seller", seller.code, before=None,
                     after={"erased": found.line(), "link_version": version}, now=now, actor=actor,
                     actor_label=actor_label)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return replace(found, files=retention.remove_files(list(stored), upload_dir), link_version=version)
