"""The staff part of the JSON API (/api/v1/staff/…): a staff member's personal API token as a bearer
token, with that member's rights. Agents and leads reach only their departments' tickets; any other
ticket is not found (404), as in the inbox."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

import sla

from ..extensions import csrf, limiter
from ..models import Event, Message, Ticket
from ..services import api_schema, api_tokens, departments, inbox, staff_actions, uploads
from ..services.errors import NotFound
from ..services.runtime import runtime, utcnow
from . import docs
from .common import (
    INVALID_TOKEN,
    Unauthenticated,
    bearer_token,
    decode_cursor,
    encode_cursor,
    iso_time,
    json_body,
    ticket_summary,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")
csrf.exempt(bp)  # bearer tokens, not cookies: a cross-site form cannot forge these requests
REALM = "staff-api"
SECURITY = {docs.STAFF_AUTH: []}
TAGS = ("staff",)
DEFAULT_LIMIT = "120 per minute"
QUEUE_PARAMS = ("department", "status", "assignee", "sla", "category", "priority", "q", "limit")


@bp.url_value_preprocessor
def authenticate(_endpoint, _values):
    # runs before the rate limiter's check, so each token has a budget of its own
    raw = bearer_token(REALM, "Send your API token as `Authorization: Bearer <token>`.",
                       "The Authorization header must be `Bearer <token>`, with your staff API token.")
    token = api_tokens.authenticate(raw, now=utcnow())
    if token is None:
        raise Unauthenticated("This API token is not valid: it was revoked, its holder was deactivated, "
                              "or it was never issued.", REALM, INVALID_TOKEN)
    # the prefix too: a budget never passes to another token that got the same id (say, after a restore)
    g.api_token_key, g.staff_user = f"{token.id}:{token.prefix}", token.user


def _staff_limit() -> str:
    return current_app.config.get("RATELIMIT_STAFF_API") or DEFAULT_LIMIT


def _token_key() -> str:
    return f"api-staff:{g.api_token_key}" if g.get("api_token_key") else request.remote_addr or "?"


# one budget per token, shared by every staff endpoint
per_token = limiter.shared_limit(_staff_limit, scope="api-staff", key_func=_token_key)


def _ticket(reference: str) -> Ticket:
    ticket = inbox.staff_ticket(g.staff_user, reference)
    if ticket is None:
        raise NotFound(_l("No such ticket in your departments."))
    return ticket


# --- representations ------------------------------------------------------------------------------

def _sla_state(ticket: Ticket) -> str:
    return sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, utcnow(), ticket.at_risk_at)


def _summary(ticket: Ticket) -> dict:
    seller, assignee = ticket.seller, ticket.assignee
    return {
        **ticket_summary(ticket),
        "seller": {"code": seller.code, "name": seller.name, "phone": seller.phone},
        "assignee": {"email": assignee.email, "name": assignee.name} if assignee else None,
        "sla_state": _sla_state(ticket),
        "resolution_reason": ticket.resolution_reason,
    }


def _attachments(message: Message) -> list[dict]:
    return [{"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
             "url": url_for(".attachment", attachment_id=a.id)} for a in message.attachments]


def _message(message: Message, ticket: Ticket) -> dict:
    if message.author_kind == "seller":
        author, name, email = "seller", ticket.seller.name, None
    elif message.author_kind == "staff":
        author = "staff"
        name, email = (message.author.name, message.author.email) if message.author else ("Support", None)
    else:
        author, name, email = "system", "System", None
    return {"id": message.id, "author": author, "author_name": name, "author_email": email,
            "internal": bool(message.internal), "body": message.body, "created_at": iso_time(message.created_at),
            "attachments": _attachments(message)}


def _event(event: Event) -> dict:
    return {"id": event.id, "kind": event.kind, "actor": event.actor_label, "created_at": iso_time(event.created_at),
            "data": event.data}


def _full(ticket: Ticket) -> dict:
    thread, events = inbox.thread(ticket), inbox.events(ticket)
    rating = None
    if ticket.csat_score is not None:
        rating = {"score": ticket.csat_score, "comment": ticket.csat_comment, "rated_at": iso_time(ticket.rated_at)}
    merged_into = inbox.merged_into(ticket)
    return {
        **_summary(ticket),
        "description": ticket.description,
        "contact_phone": ticket.contact_phone,
        "routing_explanation": ticket.routing_explanation,
        "routing_rule_version": ticket.routing_rule_version,
        "sla": {"first_response_due_at": iso_time(ticket.first_response_due_at),
                "first_responded_at": iso_time(ticket.first_responded_at), "state": _sla_state(ticket)},
        "rating": rating,
        "merged_into": merged_into.reference if merged_into else None,
        "last_event_id": events[-1].id if events else 0,
        "messages": [_message(m, ticket) for m in thread],
        "events": [_event(e) for e in events],
    }


def _changed(ticket: Ticket):
    response = jsonify(_summary(ticket))
    response.headers["Location"] = url_for(".ticket", reference=ticket.reference)
    return response


# --- endpoints ------------------------------------------------------------------------------------

@bp.get("/tickets")
@docs.document(query=docs.StaffQueueQuery,
               resp=docs.responses({200: (docs.QueuePage, "One page of the queue")}, 401, 429),
               tags=TAGS, security=SECURITY)
@per_token
def queue():
    """The queue, soonest due first

    The inbox's filters: open tickets of every department the caller works in unless `status` or
    `department` say otherwise. Follow `next_url` (or pass `next` as `after`) for the next page.
    """
    raw_after = request.args.get("after") or ""
    f, limit = api_schema.queue_filter(request.args, departments.codes(), decode_cursor(raw_after))
    rows, next_cursor = inbox.queue(g.staff_user, f, utcnow(), limit)
    after = encode_cursor(next_cursor) if next_cursor else None
    kept = {name: request.args[name] for name in QUEUE_PARAMS if request.args.get(name)}
    return {"tickets": [_summary(t) for t in rows], "next": after,
            "next_url": url_for(".queue", **kept, after=after) if after else None}


@bp.get("/tickets/<reference>")
@docs.document(resp=docs.responses({200: (docs.StaffTicket, "The ticket, its whole thread and its history")},
                                   401, 404, 429),
               tags=TAGS, security=SECURITY)
@per_token
def ticket(reference: str):
    """One ticket with internal notes and history"""
    return _full(_ticket(reference))


@bp.post("/tickets/<reference>/replies")
@docs.document(json=docs.StaffReply,
               resp=docs.responses({201: (docs.StaffReplyCreated, "Sent")}, 401, 404, 409, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_token
def reply(reference: str):
    """Reply to the seller, or add an internal note

    The first public reply stops the first-response clock and opens a new ticket. A public reply to
    a closed ticket is refused (409), and so is one crossing someone else's reply when
    `seen_event_id` is given. With `status`, a public reply also moves the ticket (to
    `waiting_on_seller`, or to `resolved` with a `reason`), in one step, as on the ticket's page.
    """
    found = _ticket(reference)
    text, internal, seen, status, reason = api_schema.staff_reply_input(json_body())
    message = staff_actions.reply(found, g.staff_user, text, internal, now=utcnow(), seen_event_id=seen,
                                  status=status, reason=reason, require_reason=True)
    response = jsonify({**_message(message, found), "ticket_status": found.status})
    response.status_code = 201
    response.headers["Location"] = url_for(".ticket", reference=found.reference)
    return response


@bp.post("/tickets/<reference>/assign")
@docs.document(json=docs.Assign,
               resp=docs.responses({200: (docs.StaffTicketSummary, "Assigned")}, 401, 404, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_token
def assign(reference: str):
    """Assign to a colleague of the ticket's department, or unassign"""
    found = _ticket(reference)
    staff_actions.assign(found, g.staff_user, api_schema.assign_input(json_body()), now=utcnow())
    return _changed(found)


@bp.post("/tickets/<reference>/transfer")
@docs.document(json=docs.Transfer,
               resp=docs.responses({200: (docs.StaffTicketSummary, "Transferred")}, 401, 404, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_token
def transfer(reference: str):
    """Move to another department with a reason

    The ticket becomes unassigned and keeps its first-response due time. Agents of the old
    department no longer see it.
    """
    found = _ticket(reference)
    department, reason = api_schema.transfer_input(json_body(), departments.codes())
    staff_actions.transfer(found, g.staff_user, department, reason, now=utcnow())
    return _changed(found)


@bp.post("/tickets/<reference>/status")
@docs.document(json=docs.StatusChange,
               resp=docs.responses({200: (docs.StaffTicketSummary, "Changed")}, 401, 404, 409, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_token
def status(reference: str):
    """Change the status

    Along the allowed transitions only (409 otherwise): a closed ticket stays closed. Resolving
    needs `reason`, the code of an active resolution reason (422 otherwise).
    """
    found = _ticket(reference)
    status, reason = api_schema.status_input(json_body())
    staff_actions.change_status(found, g.staff_user, status, now=utcnow(), reason=reason, require_reason=True)
    return _changed(found)


@bp.post("/tickets/<reference>/priority")
@docs.document(json=docs.PriorityChange,
               resp=docs.responses({200: (docs.StaffTicketSummary, "Changed")}, 401, 404, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_token
def priority(reference: str):
    """Change the priority"""
    found = _ticket(reference)
    staff_actions.change_priority(found, g.staff_user, api_schema.priority_input(json_body()), now=utcnow())
    return _changed(found)


@bp.get("/attachments/<int:attachment_id>")
@docs.document(resp=docs.responses({200: (None, "The file, as an attachment")}, 401, 404, 429),
               tags=TAGS, security=SECURITY)
@per_token
def attachment(attachment_id: int):
    """Download a file of a ticket the caller may see"""
    row = inbox.staff_attachment(g.staff_user, attachment_id)
    if row is None:
        raise NotFound(_l("No such file."))
    return uploads.send_attachment(row, runtime().upload_dir)
