"""Seller-side ticket life: create (routed, assigned, clocked), reply, rate, self-resolve."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

import routing
import sla

from ..db_setup import as_loaded, commit_keeping_state
from ..extensions import db
from ..models import (
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
from . import history, parcel_lookup, policies, uploads
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


# The statements of the submission path are built once: building a select costs more than SQLite
# takes to run it. They use the tables, not the mapped classes, to skip the ORM's result handling,
# and run on the session's connection: the session's own execute adds its ORM steps (autoflush,
# events) to each. What they write is in the session's transaction all the same.
_tickets, _users, _departments = Ticket.__table__, User.__table__, Department.__table__
_ON_DUTY_AGENT = and_(_users.c.role == "agent", _users.c.active.is_(True), _users.c.on_duty.is_(True))
# per agent, the open tickets assigned to them: a column the database keeps as tickets change
# (portal/agent_loads.py), so that picking the least-loaded agent reads one row per agent, not the
# department's open tickets
_OPEN_TICKETS_OF_AGENT = _users.c.open_tickets
_AGENT_LOADS = (select(_users.c.id, _OPEN_TICKETS_OF_AGENT)
                .join(user_departments, user_departments.c.user_id == _users.c.id)
                .where(user_departments.c.department_id == bindparam("department_id"), _ON_DUTY_AGENT))
# The id the new ticket will have is read with the department, taken before the insert so that the
# reference made from it goes into the same INSERT (no second write of the row). On PostgreSQL it is
# the sequence's next value; SQLite itself would give a new row max(id) + 1, and a writing transaction
# holds SQLite's write lock from its first statement (BEGIN IMMEDIATE, db_setup), so no other ticket
# can take that id before ours. Either is an uncorrelated subquery, evaluated once per statement.
_NEXT_ID = {
    "postgresql": select(func.nextval(func.pg_get_serial_sequence("tickets", "id"))).scalar_subquery(),
    "sqlite": select(func.coalesce(func.max(_tickets.c.id), 0) + 1).scalar_subquery(),
}
_ROUTED_DEPARTMENT = {
    dialect: (select(_departments.c.id, _departments.c.calendar_json, next_id, _users.c.id, _OPEN_TICKETS_OF_AGENT)
              .select_from(_departments)
              .outerjoin(user_departments, user_departments.c.department_id == _departments.c.id)
              .outerjoin(_users, and_(_users.c.id == user_departments.c.user_id, _ON_DUTY_AGENT))
              .where(_departments.c.code == bindparam("code")))
    for dialect, next_id in _NEXT_ID.items()}
_INSERT_TICKET = insert(_tickets)
_INSERT_TRACKING = insert(TicketTracking.__table__)
_INSERT_MESSAGE = insert(Message.__table__)
_INSERT_ATTACHMENT = insert(Attachment.__table__)
# what a new ticket has not got yet, so the object written below has every column loaded
_NOT_YET = dict(first_responded_at=None, resolved_at=None, closed_at=None, self_resolved=False, at_risk_marked_at=None,
                breached_at=None, escalated_at=None, manager_escalated_at=None, csat_score=None, csat_comment=None,
                rated_at=None, merged_into_id=None, promise_updated_at=None, last_staff_reply_at=None,
                seller_seen_at=None)


def least_loaded_agent(department_id: int) -> int | None:
    """The active, on-duty agent of the department with the fewest open tickets, or None."""
    rows = db.session.execute(_AGENT_LOADS, {"department_id": department_id}).all()
    return routing.pick_least_loaded(dict(rows))


@dataclass(frozen=True)
class _RoutedDepartment:
    id: int
    calendar_json: str | None
    assignee_id: int | None
    next_ticket_id: int


def _routed_department(code: str) -> _RoutedDepartment:
    """The department a ticket was routed to, its least-loaded agent and the new ticket's id, read
    in one query."""
    connection = db.session.connection()
    rows = connection.execute(_ROUTED_DEPARTMENT[connection.dialect.name], {"code": code}).all()
    if not rows:
        raise NotFound(_l("Department %(code)s is not set up; run `flask --app wsgi demo load`.", code=code))
    loads = {user_id: count for _dept, _calendar, _next_id, user_id, count in rows if user_id is not None}
    department_id, calendar_json, next_id = rows[0][:3]
    return _RoutedDepartment(department_id, calendar_json, routing.pick_least_loaded(loads), next_id)


def _existing(seller_id: int, key: str | None) -> Ticket | None:
    if not key:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.seller_id == seller_id, Ticket.submission_key == key))


def _attach(ticket_id: int, message_id: int, created_at: dt.datetime, files: tuple[uploads.Upload, ...],
            rt: Runtime, written: list[str]) -> None:
    for upload in files:
        stored = uploads.store(upload, rt.upload_dir)
        written.append(stored)
        db.session.connection().execute(_INSERT_ATTACHMENT, dict(
            ticket_id=ticket_id, message_id=message_id, filename=upload.filename, stored_name=stored,
            content_type=upload.content_type, size=len(upload.data), sha256=upload.sha256, created_at=created_at))


def _insert_ticket(values: dict) -> Ticket:
    """Write the ticket row, and give back the ticket as a session object holding exactly those
    values: written once by a plain INSERT, not by the unit of work, and not read back."""
    db.session.connection().execute(_INSERT_TICKET, values)
    return as_loaded(Ticket, values)


def create_ticket(seller: Seller, new: NewTicket, *, now: dt.datetime, rt: Runtime) -> tuple[Ticket, bool]:
    """Route, clock, assign and store a seller's ticket, committed. Returns (ticket, created):
    a repeated submission key gives back the ticket it created the first time.

    One read (department and agents' loads), one id, one INSERT per table (the reference is made
    before the ticket's, so the row is written once), no reload after the commit. A repeated
    key is caught by the unique (seller, submission key) constraint, so the usual first submission
    pays no lookup for it, and two racing copies of one submission still store one ticket."""
    if len(new.uploads) > rt.upload_max_files:
        found = _existing(seller.id, new.submission_key)
        if found:
            return found, False
        raise InvalidInput(uploads.too_many_message(rt.upload_max_files),
                           {"attachments": [_l("Too many files.")]})
    decision = routing.route(routing.TicketFacts(category=new.category, description=new.description,
                                                 tracking_numbers=new.tracking_numbers, seller_code=seller.code),
                             rt.ruleset)
    written: list[str] = []
    try:
        department = _routed_department(decision.department)
        calendar = calendar_for(department.calendar_json)
        policy = policies.policy_for(decision.department, decision.priority, rt)
        due = sla.first_response_due(now, policy, calendar)
        ticket_id = department.next_ticket_id
        reference = make_reference(ticket_id, now, rt)
        tracking_numbers = " ".join(new.tracking_numbers)
        ticket = _insert_ticket(dict(
            _NOT_YET, id=ticket_id, reference=reference, seller_id=seller.id, category=new.category,
            department_id=department.id, priority=decision.priority, status="new",
            tracking_numbers=tracking_numbers, description=new.description,
            contact_phone=new.contact_phone or seller.phone,
            search_text=search_text(reference, seller.code, seller.name, tracking_numbers, new.description),
            created_at=now, updated_at=now, first_response_due_at=due,
            at_risk_at=sla.at_risk_from(due, policy, calendar),
            routing_explanation=decision.explanation, routing_rule_version=decision.ruleset_version,
            submission_key=new.submission_key, assignee_id=department.assignee_id,
        ))
        if new.tracking_numbers:
            db.session.connection().execute(_INSERT_TRACKING, [dict(ticket_id=ticket_id, tracking_number=n)
                                                  for n in new.tracking_numbers])
        message_id = db.session.connection().execute(_INSERT_MESSAGE, dict(
            ticket_id=ticket_id, author_kind="seller", author_user_id=None, body=new.description, internal=False,
            created_at=now)).inserted_primary_key[0]
        _attach(ticket_id, message_id, now, new.uploads, rt, written)
        entries = [("created", f"seller {seller.code}",
                    dict(category=new.category, tracking_numbers=list(new.tracking_numbers),
                         attachments=len(new.uploads))),
                   ("routed", "system", dict(department=decision.department, priority=decision.priority,
                                             rule=decision.rule_id, explanation=decision.explanation,
                                             version=decision.ruleset_version))]
        if ticket.assignee_id:
            entries.append(("assigned", "system", dict(assignee_id=ticket.assignee_id, reason="least loaded agent")))
        history.record_many(ticket, entries, now)
        commit_keeping_state()
    except IntegrityError:
        db.session.rollback()
        uploads.discard(written, rt.upload_dir)
        found = _existing(seller.id, new.submission_key)
        if found:  # a retry or a double click of a submission already stored
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
        raise NotFound(_l("No such ticket for this shop."))
    return ticket


def seller_ticket_page(seller: Seller, limit: int, before_id: int | None = None) -> tuple[list[Ticket], bool]:
    """Up to `limit` of the seller's tickets, newest first, older than their ticket `before_id`
    when given, and whether more follow: the API's pages, whole tickets. NotFound when `before_id`
    is not one of the seller's tickets."""
    query = select(Ticket).where(Ticket.seller_id == seller.id)
    if before_id is not None:
        cursor = db.session.scalar(select(Ticket).where(Ticket.id == before_id, Ticket.seller_id == seller.id))
        if cursor is None:
            raise NotFound(_l("No such ticket for this shop."))
        query = query.where(or_(Ticket.created_at < cursor.created_at,
                                and_(Ticket.created_at == cursor.created_at, Ticket.id < cursor.id)))
    rows = list(db.session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def public_thread(ticket: Ticket) -> list[Message]:
    """Messages the seller may see: never internal notes."""
    return list(db.session.scalars(select(Message).where(Message.ticket_id == ticket.id, Message.internal.is_(False))
                                   .order_by(Message.created_at, Message.id)))


def known_shipments(ticket: Ticket) -> list[Shipment]:
    """The parcels of the ticket's tracking numbers that its seller may see (parcel_lookup's rule:
    their own and those of no seller), in the ticket's order."""
    return parcel_lookup.visible_shipments(ticket.seller.code, ticket.tracking_list)


def seller_reply(ticket: Ticket, body: str, files: tuple[uploads.Upload, ...], *, now: dt.datetime,
                 rt: Runtime) -> Message:
    """A public message from the seller, committed; a resolved or waiting ticket opens again."""
    if ticket.status == "closed":
        raise Conflict(_l("This ticket is closed. Please open a new ticket."))
    if len(files) > rt.upload_max_files:
        raise InvalidInput(uploads.too_many_message(rt.upload_max_files),
                           {"attachments": [_l("Too many files.")]})
    written: list[str] = []
    try:
        message = Message(ticket_id=ticket.id, author_kind="seller", body=body, created_at=now)
        db.session.add(message)
        db.session.flush()
        _attach(ticket.id, message.id, now, files, rt, written)
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


def rating_refusal(ticket: Ticket):
    """Why the seller may not rate this ticket (a translatable message), or None when they may. A
    rating measures a person's answer: a ticket must be resolved after a public staff reply; one the
    seller resolved with a parcel status, or one merged into another (rated there), has none."""
    if ticket.merged_into_id is not None:
        return _l("This ticket was merged into another one; rate the answer there.")
    if ticket.self_resolved:
        return _l("You resolved this ticket yourself, so there is no answer to rate.")
    if ticket.first_responded_at is None and ticket.last_staff_reply_at is None:
        return _l("You can rate the answer once our team has replied.")
    if ticket.status not in ("resolved", "closed"):
        return _l("You can rate the answer once the ticket is resolved.")
    if ticket.csat_score is not None:
        return _l("You have already rated this ticket. Thank you!")
    return None


def rate(ticket: Ticket, score: int, comment: str | None, *, now: dt.datetime) -> None:
    """Record the seller's CSAT (1–5) of a resolved ticket a person answered; refused (Conflict)
    otherwise (rating_refusal), and a second time."""
    refusal = rating_refusal(ticket)
    if refusal is not None:
        raise Conflict(refusal)
    if not 1 <= score <= 5:
        raise InvalidInput(_l("Choose a rating from 1 to 5."), {"score": [_l("Choose a rating from 1 to 5.")]})
    ticket.csat_score, ticket.csat_comment, ticket.rated_at, ticket.updated_at = score, comment, now, now
    history.record(ticket, "rated", now, actor_label=f"seller {ticket.seller.code}", score=score)
    db.session.commit()


def self_resolve(ticket: Ticket, *, now: dt.datetime) -> None:
    """The seller says the shipment status shown answers the question: resolved, no staff reply
    needed, and not counted as a first response."""
    if not ticket.is_open:
        raise Conflict(_l("This ticket is already resolved."))
    if not known_shipments(ticket):
        raise Conflict(_l("There is no shipment status to go by for this ticket."))
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
