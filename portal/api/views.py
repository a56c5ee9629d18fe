"""The seller JSON API under /api/v1: the seller link's token as a bearer token.

Every answer is JSON; every refusal is {"error": {"status", "message", "fields"}}.
"""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy import and_, or_, select
from werkzeug.exceptions import BadRequest

import sla

from ..extensions import csrf, db, limiter
from ..models import Message, Ticket
from ..services import api_schema, links, tickets
from ..services.api_schema import ApiInputError
from ..services.errors import NotFound, PortalError
from ..services.runtime import runtime, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# bearer tokens, not cookies: a cross-site form cannot forge these requests
csrf.exempt(bp)


class Unauthenticated(PortalError):
    status_code = 401


# --- errors ---------------------------------------------------------------------------------------

def _error(status: int, message: str, fields: dict[str, list[str]] | None = None):
    response = jsonify({"error": {"status": status, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="seller-api"'
    return response


@bp.errorhandler(PortalError)
def portal_error(exc: PortalError):
    return _error(exc.status_code, exc.message, exc.fields)


# --- authentication and limits --------------------------------------------------------------------

def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    if not header.strip():
        raise Unauthenticated("Send your link token as `Authorization: Bearer <token>`.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        raise Unauthenticated("The Authorization header must be `Bearer <token>`, the token of your seller link.")
    return token


@bp.url_value_preprocessor
def authenticate(_endpoint, _values):
    # runs before the rate limiter's check, so each seller has a budget of their own
    g.seller = links.seller_for_token(_bearer_token(), runtime().secret_key)


def _seller_limit() -> str:
    return current_app.config["RATELIMIT_SELLER"]


def _seller_key() -> str:
    return f"api-seller:{g.seller.id}" if g.get("seller") else request.remote_addr or "?"


def _json_body() -> object:
    if not request.is_json:
        raise ApiInputError(415, "Send the body as JSON with `Content-Type: application/json`.")
    try:
        return request.get_json()
    except BadRequest:
        raise ApiInputError(400, "The body is not valid JSON.") from None


# --- representations ------------------------------------------------------------------------------

def _time(value) -> str | None:
    """ISO 8601 with the portal zone's offset."""
    return value.astimezone(runtime().timezone).isoformat(timespec="seconds") if value else None


def _ticket_summary(ticket: Ticket) -> dict:
    return {
        "reference": ticket.reference,
        "category": ticket.category,
        "department": ticket.department.code,
        "department_name": ticket.department.name,
        "priority": ticket.priority,
        "status": ticket.status,
        "tracking_numbers": ticket.tracking_list,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "first_response_due_at": _time(ticket.first_response_due_at),
        "first_responded_at": _time(ticket.first_responded_at),
        "resolved_at": _time(ticket.resolved_at),
        "url": url_for(".ticket", reference=ticket.reference),
    }


def _ticket_full(ticket: Ticket) -> dict:
    rating = None
    if ticket.csat_score is not None:
        rating = {"score": ticket.csat_score, "comment": ticket.csat_comment, "rated_at": _time(ticket.rated_at)}
    return {
        **_ticket_summary(ticket),
        "description": ticket.description,
        "contact_phone": ticket.contact_phone,
        "routing_explanation": ticket.routing_explanation,
        "sla": {
            "first_response_due_at": _time(ticket.first_response_due_at),
            "first_responded_at": _time(ticket.first_responded_at),
            "state": sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, utcnow(),
                                   ticket.at_risk_at),
        },
        "rating": rating,
    }


def _message(message: Message, ticket: Ticket) -> dict:
    if message.author_kind == "seller":
        author, name = "seller", ticket.seller.name
    else:
        author, name = "staff", message.author.name if message.author else "Support"
    return {
        "author": author,
        "author_name": name,
        "body": message.body,
        "created_at": _time(message.created_at),
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
                         "url": url_for(".attachment", attachment_id=a.id)} for a in message.attachments],
    }


def _encode_cursor(ticket: Ticket) -> str:
    return base64.urlsafe_b64encode(f"t:{ticket.id}".encode()).rstrip(b"=").decode()


def _decode_cursor(raw: str) -> Ticket:
    bad = ApiInputError(400, "The `before` cursor is not valid; use the `next` value of a previous page.",
                        {"before": ["Not a cursor from this API."]})
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        prefix, _, ticket_id = text.partition(":")
        if prefix != "t" or not ticket_id.isascii() or not ticket_id.isdigit() or len(ticket_id) > 10:
            raise ValueError(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == int(ticket_id), Ticket.seller_id == g.seller.id))
    if ticket is None:
        raise bad
    return ticket


# --- endpoints ------------------------------------------------------------------------------------

@bp.get("/tickets")
def list_tickets():
    limit = api_schema.page_limit(request.args.get("limit"))
    query = select(Ticket).where(Ticket.seller_id == g.seller.id)
    before = request.args.get("before")
    if before:
        cursor = _decode_cursor(before)
        query = query.where(or_(Ticket.created_at < cursor.created_at,
                                and_(Ticket.created_at == cursor.created_at, Ticket.id < cursor.id)))
    rows = list(db.session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return {"tickets": [_ticket_summary(t) for t in page],
            "next": _encode_cursor(page[-1]) if len(rows) > limit else None}


def _same_submission(ticket: Ticket, data: api_schema.TicketInput) -> bool:
    return (ticket.category, ticket.description, ticket.tracking_list) == (
        data.category, data.description, list(data.tracking_numbers))


@bp.post("/tickets")
@limiter.limit(_seller_limit, key_func=_seller_key)
def create_ticket():
    key = api_schema.idempotency_key(request.headers.get("Idempotency-Key"))
    data = api_schema.ticket_input(_json_body())
    new = tickets.NewTicket(category=data.category, description=data.description,
                            tracking_numbers=data.tracking_numbers, contact_phone=data.contact_phone,
                            submission_key=key)
    ticket, created = tickets.create_ticket(g.seller, new, now=utcnow(), rt=runtime())
    if not created and not _same_submission(ticket, data):
        raise ApiInputError(422, "This Idempotency-Key was already used for a different ticket.",
                            {"Idempotency-Key": [f"Already used for ticket {ticket.reference}; use a new key."]})
    response = jsonify(_ticket_full(ticket))
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for(".ticket", reference=ticket.reference)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    found = tickets.seller_ticket(g.seller, reference)
    return {**_ticket_full(found), "messages": [_message(m, found) for m in tickets.public_thread(found)]}


@bp.post("/tickets/<reference>/replies")
@limiter.limit(_seller_limit, key_func=_seller_key)
def reply(reference: str):
    found = tickets.seller_ticket(g.seller, reference)
    body = api_schema.reply_input(_json_body())
    message = tickets.seller_reply(found, body, (), now=utcnow(), rt=runtime())
    response = jsonify({**_message(message, found), "ticket_status": found.status})
    response.status_code = 201
    response.headers["Location"] = url_for(".ticket", reference=reference)
    return response


@bp.post("/tickets/<reference>/rating")
@limiter.limit(_seller_limit, key_func=_seller_key)
def rating(reference: str):
    found = tickets.seller_ticket(g.seller, reference)
    score, comment = api_schema.rating_input(_json_body())
    tickets.rate(found, score, comment, now=utcnow())
    response = jsonify({"reference": found.reference, "score": found.csat_score, "comment": found.csat_comment,
                        "rated_at": _time(found.rated_at)})
    response.status_code = 201
    response.headers["Location"] = url_for(".ticket", reference=reference)
    return response


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    from ..seller.views import send_attachment

    row = tickets.seller_attachment(g.seller, attachment_id)
    if row is None:
        raise NotFound("No such file.")
    return send_attachment(row)
