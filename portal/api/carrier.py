"""The carrier's part of the JSON API (/api/v1/shipments/events): parcel events posted with an
integration token (`integrations token --name`, or /admin/integration-tokens)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, g, request
from pydantic import Field

from normalize.feed import MAX_EVENTS

from ..extensions import csrf, limiter
from ..services import integration_tokens, shipment_feed
from ..services.runtime import utcnow
from . import docs
from .common import INVALID_TOKEN, Unauthenticated, bearer_token, json_body

bp = Blueprint("carrier", __name__, url_prefix="/shipments")
csrf.exempt(bp)  # bearer tokens, not cookies: a cross-site form cannot forge these requests
REALM = "carrier-api"
SECURITY = {docs.INTEGRATION_AUTH: []}
TAGS = ("carrier",)


@bp.url_value_preprocessor
def authenticate(_endpoint, _values):
    # runs before the rate limiter's check, so each token has a budget of its own
    raw = bearer_token(REALM, "Send your integration token as `Authorization: Bearer <token>`.",
                       "The Authorization header must be `Bearer <token>`, with your integration token.")
    token = integration_tokens.authenticate(raw, now=utcnow())
    if token is None:
        raise Unauthenticated("This integration token is not valid: it was revoked or never issued.", REALM,
                              INVALID_TOKEN)
    g.integration_token_key = f"{token.id}:{token.prefix}"


def _limit() -> str:
    return current_app.config["RATELIMIT_CARRIER_API"]


def _token_key() -> str:
    return f"api-carrier:{g.integration_token_key}" if g.get("integration_token_key") else request.remote_addr or "?"


per_token = limiter.shared_limit(_limit, scope="api-carrier", key_func=_token_key)


class ParcelEvent(docs.Model):
    tracking_number: str = Field(examples=["NV12345678"], description="8–40 letters and digits.")
    status: str = Field(min_length=1, max_length=64, description=(
        "created, pending_pickup, picked_up, in_transit, out_for_delivery, delivered, delivery_failed, "
        "returning, returned, cancelled, on_hold (in any letter case, `-` or space for `_`); any other is kept and "
        "shown as given."))
    event: str = Field(max_length=500, description="The carrier's own words, shown to sellers and staff.")
    occurred_at: dt.datetime = Field(description="ISO 8601; without an offset it is UTC.")
    seller_code: str | None = Field(None, description="The parcel is then that seller's alone.")


class ParcelEvents(docs.Model):
    events: list[ParcelEvent] = Field(max_length=MAX_EVENTS)


class EventsAccepted(docs.Model):
    accepted: int = Field(description="Events new to the parcels' history.")
    ignored: int = Field(description="Repeats of an event already received (same tracking number, status and "
                                     "occurred_at), within this batch or before.")


@bp.post("/events")
@docs.document(json=ParcelEvents,
               resp=docs.responses({202: (EventsAccepted, "The batch was applied")}, 401, 413, 415, 429),
               tags=TAGS, security=SECURITY)
@per_token
def events():
    """Post parcel events

    A batch of up to 1,000 events, applied in order of `occurred_at` in one transaction: each is
    kept in its parcel's history, and becomes the parcel's status unless the parcel already holds a
    newer one. A body that is not valid, or any event that is not, is refused (400, naming the event
    and field) and nothing of the batch is applied; send it again once fixed: repeats are ignored.
    """
    result = shipment_feed.receive(json_body(), now=utcnow())
    return {"accepted": result.accepted, "ignored": result.ignored}, 202
