"""The seller part of the JSON API (/api/v1/tickets…): the seller link's token as a bearer token."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l

import sla

from ..extensions import csrf
from ..models import Message, Ticket
from ..seller.budget import per_seller, per_seller_lookup
from ..services import api_schema, links, parcel_lookup, tickets, uploads
from ..services.api_schema import ApiInputError
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

bp = Blueprint("seller", __name__)
# bearer tokens, not cookies: a cross-site form cannot forge these requests
csrf.exempt(bp)
REALM = "seller-api"
SECURITY = {docs.SELLER_AUTH: []}
TAGS = ("seller",)


@bp.url_value_preprocessor
def authenticate(_endpoint, _values):
    """The caller's seller, from their link token: 401 (invalid_token) for a token that is not a
    seller link's (tampered, signed with another key, or of a seller that no longer exists), 410
    for a link the seller's revocation replaced. (A revoked link is a token the seller really had:
    410 tells their app to ask for the new link rather than to retry with the same token.)"""
    # runs before the rate limiter's check, so each seller has a budget of their own (seller.budget)
    token = bearer_token(REALM, "Send your link token as `Authorization: Bearer <token>`.",
                         "The Authorization header must be `Bearer <token>`, the token of your seller link.")
    try:
        g.seller = links.seller_for_token(token, runtime().link_keys)
    except NotFound:
        raise Unauthenticated("This token is not valid: send the token of your seller link, the part after "
                              "`/s/` of the link.", REALM, INVALID_TOKEN) from None


# --- representations ------------------------------------------------------------------------------

def _ticket_full(ticket: Ticket) -> dict:
    rating = None
    if ticket.csat_score is not None:
        rating = {"score": ticket.csat_score, "comment": ticket.csat_comment, "rated_at": iso_time(ticket.rated_at)}
    return {
        **ticket_summary(ticket),
        "description": ticket.description,
        "contact_phone": ticket.contact_phone,
        "routing_explanation": ticket.routing_explanation,
        "sla": {
            "first_response_due_at": iso_time(ticket.first_response_due_at),
            "first_responded_at": iso_time(ticket.first_responded_at),
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
        "created_at": iso_time(message.created_at),
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type,
                         "url": url_for(".attachment", attachment_id=a.id)} for a in message.attachments],
    }


_BAD_CURSOR = ("The `before` cursor is not valid; use the `next` value of a previous page.",
               {"before": ["Not a cursor from this API."]})


def _decode_cursor(raw: str) -> int:
    prefix, _, ticket_id = (decode_cursor(raw) or "").partition(":")
    if prefix != "t" or not ticket_id.isascii() or not ticket_id.isdigit() or len(ticket_id) > 10:
        raise ApiInputError(400, *_BAD_CURSOR)
    return int(ticket_id)


# --- endpoints ------------------------------------------------------------------------------------

@bp.get("/tickets")
@docs.document(query=docs.SellerListQuery, resp=docs.responses({200: (docs.SellerTicketPage, "One page")}, 401, 410),
               tags=TAGS, security=SECURITY)
def list_tickets():
    """The seller's tickets, newest first

    Pages of `limit` tickets; pass the answer's `next` as `before` for the next, older page.
    """
    limit = api_schema.page_limit(request.args.get("limit"))
    before = request.args.get("before")
    try:
        page, more = tickets.seller_ticket_page(g.seller, limit, _decode_cursor(before) if before else None)
    except NotFound:  # another seller's ticket, or none at all
        raise ApiInputError(400, *_BAD_CURSOR) from None
    return {"tickets": [ticket_summary(t) for t in page],
            "next": encode_cursor(f"t:{page[-1].id}") if more else None}


def _same_submission(ticket: Ticket, data: api_schema.TicketInput) -> bool:
    return (ticket.category, ticket.description, ticket.tracking_list) == (
        data.category, data.description, list(data.tracking_numbers))


@bp.post("/tickets")
@docs.document(json=docs.NewTicket, headers=docs.IdempotencyHeaders,
               resp=docs.responses({201: (docs.TicketDetail, "Opened: the answer promises `first_response_due_at`"),
                                    200: (docs.TicketDetail, "Replayed: this Idempotency-Key already opened it")},
                                   401, 404, 410, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_seller
def create_ticket():
    """Open a ticket

    The ticket is routed to its department at once; the answer says when a person will answer
    (`first_response_due_at`). With an `Idempotency-Key`, sending the same ticket again answers the
    first one (200) instead of opening a second.
    """
    key = api_schema.idempotency_key(request.headers.get("Idempotency-Key"))
    data = api_schema.ticket_input(json_body())
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


def _messages(ticket: Ticket) -> list[dict]:
    return [_message(m, ticket) for m in tickets.public_thread(ticket)]


@bp.get("/tickets/<reference>")
@docs.document(resp=docs.responses({200: (docs.SellerTicket, "The ticket and its public thread")}, 401, 404, 410),
               tags=TAGS, security=SECURITY)
def ticket(reference: str):
    """One ticket with its public messages

    Poll it to see the status, the promised response time and staff replies.
    """
    found = tickets.seller_ticket(g.seller, reference)
    return {**_ticket_full(found), "messages": _messages(found)}


@bp.post("/tickets/<reference>/replies")
@docs.document(json=docs.SellerReply,
               resp=docs.responses({201: (docs.SellerReplyCreated, "Sent")}, 401, 404, 409, 410, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_seller
def reply(reference: str):
    """Reply on a ticket

    A reply reopens a resolved ticket; a closed ticket takes no more replies (409).
    """
    found = tickets.seller_ticket(g.seller, reference)
    body = api_schema.reply_input(json_body())
    message = tickets.seller_reply(found, body, (), now=utcnow(), rt=runtime())
    response = jsonify({**_message(message, found), "ticket_status": found.status})
    response.status_code = 201
    response.headers["Location"] = url_for(".ticket", reference=reference)
    return response


@bp.post("/tickets/<reference>/rating")
@docs.document(json=docs.NewRating,
               resp=docs.responses({201: (docs.RatingCreated, "Rated")}, 401, 404, 409, 410, 415, 422, 429),
               tags=TAGS, security=SECURITY)
@per_seller
def rating(reference: str):
    """Rate the answer (CSAT 1–5)

    Once per ticket, after it is resolved and a person of the team answered it; before that, on a
    ticket the seller resolved themselves or one merged into another, or a second time, the answer is 409.
    """
    found = tickets.seller_ticket(g.seller, reference)
    score, comment = api_schema.rating_input(json_body())
    tickets.rate(found, score, comment, now=utcnow())
    response = jsonify({"reference": found.reference, "score": found.csat_score, "comment": found.csat_comment,
                        "rated_at": iso_time(found.rated_at)})
    response.status_code = 201
    response.headers["Location"] = url_for(".ticket", reference=reference)
    return response


@bp.get("/shipments/<tracking_number>")
@docs.document(resp=docs.responses({200: (docs.ShipmentStatus, "The parcel's latest status")}, 401, 404, 410, 429),
               tags=TAGS, security=SECURITY)
@per_seller_lookup
def shipment(tracking_number: str):
    """A parcel's latest status

    For the seller's own parcels and those the carrier reports without a seller; any other number,
    another seller's included, is 404, as is a number the portal has no news of.
    """
    found = parcel_lookup.lookup_one(g.seller, tracking_number)
    if found is None:
        raise NotFound(_l("We have no news of this parcel."))
    return found.as_json()


@bp.get("/attachments/<int:attachment_id>")
@docs.document(resp=docs.responses({200: (None, "The file, as an attachment")}, 401, 404, 410),
               tags=TAGS, security=SECURITY)
def attachment(attachment_id: int):
    """Download a file of one of the seller's tickets"""
    row = tickets.seller_attachment(g.seller, attachment_id)
    if row is None:
        raise NotFound(_l("No such file."))
    return uploads.send_attachment(row, runtime().upload_dir)
