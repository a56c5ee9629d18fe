"""Seller-side ticket life: create (routed, assigned, clocked), reply, rate, self-resolve."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

import routing
import sla

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Attachment,
    Department,
    Message,
    Seller,
    Shipment,
    Ticket,
    TicketTracking,
    User,
    user_departments,
)
from . import history, policies, uploads
from .errors import Conflict, InvalidInput, NotFound
from .runtime import Runtime, calendar_for


@dataclass(frozen=True)
class NewTicket:
    """What a seller submitted, already validated and normalised."""

    category: str
    description: str
    tracking_numbers: tuple[str, ...] = ()
    contact_phone: str | None = None
    uploads: tuple[uploads.Upload, ...] = ()
    submission_key: str | None = None


def make_reference(ticket_id: int, created_at: dt.datetime, rt: Runtime) -> str:
    return f"T-{created_at.astimezone(rt.timezone):%y%m}-{ticket_id:04d}"


def search_text(*parts: str | None) -> str:
    return routing.normalize_text(" ".join(p for p in parts if p))


def least_loaded_agent(department_id: int) -> int | None:
    """The active, on-duty agent of the department with the fewest open tickets, or None."""
    open_count = func.count(Ticket.id)
    rows = db.session.execute(
        select(User.id, open_count)
        .join(user_departments, user_departments.c.user_id == User.id)
        .outerjoin(Ticket, and_(Ticket.assignee_id == User.id, Ticket.status.in_(OPEN_STATUSES)))
        .where(user_departments.c.department_id == department_id, User.role == "agent",
               User.active.is_(True), User.on_duty.is_(True))
        .group_by(User.id)
    ).all()
    return routing.pick_least_loaded({uid: n for uid, n in rows})


def _existing(seller_id: int, key: str | None) -> Ticket | None:
    if not key:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.seller_id == seller_id, Ticket.submission_key == key))


def _attach(ticket: Ticket, message: Message, files: tuple[uploads.Upload, ...], rt: Runtime,
            written: list[str]) -> None:
    for upload in files:
        stored = uploads.store(upload, rt.upload_dir)
        written.append(stored)
        db.session.add(Attachment(ticket_id=ticket.id, message_id=message.id, filename=upload.filename,
                                  stored_name=stored, content_type=upload.content_type, size=len(upload.data),
                                  sha256=upload.sha256, created_at=message.created_at))


def create_ticket(seller: Seller, new: NewTicket, *, now: dt.datetime, rt: Runtime) -> tuple[Ticket, bool]:
    """Route, clock, assign and store a seller's ticket, committed. Returns (ticket, created):
    a repeated submission key gives back the ticket it created the first time."""
    found = _existing(seller.id, new.submission_key)
    if found:
        return found, False
    if len(new.uploads) > rt.upload_max_files:
        raise InvalidInput(f"At most {rt.upload_max_files} files per message.", {"attachments": ["Too many files."]})
    decision = routing.route(routing.TicketFacts(category=new.category, description=new.description,
                                                 tracking_numbers=new.tracking_numbers, seller_code=seller.code),
                             rt.ruleset)
    department = db.session.scalar(select(Department).where(Department.code == decision.department))
    if department is None:
        raise NotFound(f"Department {decision.department} is not set up; run `flask --app wsgi demo load`.")
    calendar = calendar_for(department.calendar_json)
    policy = policies.policy_for(department.code, decision.priority, rt)
    due = sla.first_response_due(now, policy, calendar)
    ticket = Ticket(
        seller_id=seller.id, category=new.category, department_id=department.id, priority=decision.priority,
        status="new", tracking_numbers=" ".join(new.tracking_numbers), description=new.description,
        contact_phone=new.contact_phone or seller.phone, created_at=now, updated_at=now,
        first_response_due_at=due, at_risk_at=sla.at_risk_from(due, policy, calendar),
        routing_explanation=decision.explanation, routing_rule_version=decision.ruleset_version,
        submission_key=new.submission_key, assignee_id=least_loaded_agent(department.id),
    )
    written: list[str] = []
    try:
        db.session.add(ticket)
        db.session.flush()
        ticket.reference = make_reference(ticket.id, now, rt)
        ticket.search_text = search_text(ticket.reference, seller.code, seller.name, ticket.tracking_numbers,
                                         new.description)
        db.session.add_all(TicketTracking(ticket_id=ticket.id, tracking_number=n) for n in new.tracking_numbers)
        message = Message(ticket_id=ticket.id, author_kind="seller", body=new.description, created_at=now)
        db.session.add(message)
        db.session.flush()
        _attach(ticket, message, new.uploads, rt, written)
        history.record(ticket, "created", now, actor_label=f"seller {seller.code}", category=new.category,
                       tracking_numbers=list(new.tracking_numbers), attachments=len(new.uploads))
        history.record(ticket, "routed", now, department=department.code, priority=decision.priority,
                       rule=decision.rule_id, explanation=decision.explanation, version=decision.ruleset_version)
        if ticket.assignee_id:
            history.record(ticket, "assigned", now, assignee_id=ticket.assignee_id, reason="least loaded agent")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        uploads.discard(written, rt.upload_dir)
        found = _existing(seller.id, new.submission_key)
        if found:  # the same submission won a race with this one
            return found, False
        raise
    except BaseException:
        db.session.rollback()
        uploads.discard(written, rt.upload_dir)
        raise
    return ticket, True


def seller_ticket(seller: Seller, reference: str) -> Ticket:
    """One of the seller's own tickets; NotFound for anyone else's."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference, Ticket.seller_id == seller.id))
    if ticket is None:
        raise NotFound("No such ticket for this shop.")
    return ticket


def seller_tickets(seller: Seller, limit: int = 30) -> list:
    """The seller's latest tickets as light rows (reference, category, status, created_at): the
    list is on every visit to the link, so it loads no related objects."""
    return list(db.session.execute(
        select(Ticket.reference, Ticket.category, Ticket.status, Ticket.created_at)
        .where(Ticket.seller_id == seller.id).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))


def public_thread(ticket: Ticket) -> list[Message]:
    """Messages the seller may see: never internal notes."""
    return list(db.session.scalars(select(Message).where(Message.ticket_id == ticket.id, Message.internal.is_(False))
                                   .order_by(Message.created_at, Message.id)))


def known_shipments(ticket: Ticket) -> list[Shipment]:
    numbers = ticket.tracking_list
    if not numbers:
        return []
    found = {s.tracking_number: s for s in db.session.scalars(select(Shipment)
                                                                .where(Shipment.tracking_number.in_(numbers)))}
    return [found[n] for n in numbers if n in found]


def seller_reply(ticket: Ticket, body: str, files: tuple[uploads.Upload, ...], *, now: dt.datetime,
                 rt: Runtime) -> Message:
    """A public message from the seller, committed; a resolved or waiting ticket opens again."""
    if ticket.status == "closed":
        raise Conflict("This ticket is closed. Please open a new ticket.")
    if len(files) > rt.upload_max_files:
        raise InvalidInput(f"At most {rt.upload_max_files} files per message.", {"attachments": ["Too many files."]})
    written: list[str] = []
    try:
        message = Message(ticket_id=ticket.id, author_kind="seller", body=body, created_at=now)
        db.session.add(message)
        db.session.flush()
        _attach(ticket, message, files, rt, written)
        history.record(ticket, "replied", now, actor_label=f"seller {ticket.seller.code}", by="seller",
                       attachments=len(files))
        if ticket.status in ("waiting_on_seller", "resolved"):
            history.record(ticket, "status_changed", now, actor_label=f"seller {ticket.seller.code}",
                           old=ticket.status, new="open", reopened=ticket.status == "resolved")
            ticket.status, ticket.resolved_at, ticket.self_resolved = "open", None, False
        ticket.updated_at = now
        db.session.commit()
    except BaseException:
        db.session.rollback()
        uploads.discard(written, rt.upload_dir)
        raise
    return message


def rate(ticket: Ticket, score: int, comment: str | None, *, now: dt.datetime) -> None:
    """Record the seller's CSAT (1–5) once the ticket is resolved; a second rating is refused."""
    if ticket.status not in ("resolved", "closed"):
        raise Conflict("You can rate the answer once the ticket is resolved.")
    if ticket.csat_score is not None:
        raise Conflict("You have already rated this ticket. Thank you!")
    if not 1 <= score <= 5:
        raise InvalidInput("Choose a rating from 1 to 5.", {"score": ["Choose a rating from 1 to 5."]})
    ticket.csat_score, ticket.csat_comment, ticket.rated_at, ticket.updated_at = score, comment, now, now
    history.record(ticket, "rated", now, actor_label=f"seller {ticket.seller.code}", score=score)
    db.session.commit()


def self_resolve(ticket: Ticket, *, now: dt.datetime) -> None:
    """The seller says the shipment status shown answers the question: resolved, no staff reply
    needed, and not counted as a first response."""
    if not ticket.is_open:
        raise Conflict("This ticket is already resolved.")
    if not known_shipments(ticket):
        raise Conflict("There is no shipment status to go by for this ticket.")
    old = ticket.status
    ticket.status, ticket.resolved_at, ticket.self_resolved, ticket.updated_at = "resolved", now, True, now
    history.record(ticket, "status_changed", now, actor_label=f"seller {ticket.seller.code}", old=old,
                   new="resolved", self_resolved=True)
    db.session.commit()


def seller_attachment(seller: Seller, attachment_id: int) -> Attachment | None:
    """A file on one of the seller's own tickets, attached to a public message; None otherwise."""
    return db.session.scalar(
        select(Attachment).join(Message, Message.id == Attachment.message_id)
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .where(Attachment.id == attachment_id, Message.internal.is_(False), Ticket.seller_id == seller.id))
