"""The OpenAPI 3.1 description of /api/v1, generated from the views: spectree reads each view's
route, docstring and the models named in its `document(...)` decorator.

The models describe the JSON; they do not check it. The views keep checking input with
services.api_schema, so refusals keep the API's one error shape and its messages.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin

from vocabulary import ANY_STATUS, CATEGORIES, PRIORITIES, SHIPMENT_STATUSES, STATUSES

from ..services.api_schema import (
    COMMENT_MAX,
    DB_INT_MAX,
    EMAIL_MAX,
    IDEMPOTENCY_KEY_RE,
    LIMIT_MAX,
    QUERY_MAX,
    QUEUE_ASSIGNEE,
    REASON_CODE_MAX,
    REASON_MAX,
    STAFF_BODY_MAX,
)
from ..services.inbox import SLA_STATES

SELLER_AUTH = "sellerLinkToken"
STAFF_AUTH = "staffApiToken"
INTEGRATION_AUTH = "integrationToken"

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
SlaState = Literal["on_track", "at_risk", "breached", "met", "missed"]


def _drop_null_defaults(schema: dict, _model=None) -> None:
    # an optional parameter or field is simply left out; "default: null" would only mislead
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None:
            del prop["default"]


class Model(BaseModel):
    model_config = ConfigDict(json_schema_extra=_drop_null_defaults)


# --- errors ---------------------------------------------------------------------------------------

class ErrorDetail(Model):
    status: int = Field(description="The HTTP status code again.")
    message: str = Field(description="What went wrong, for a person to read.")
    fields: dict[str, list[str]] = Field(
        None, description="Messages per request field, parameter or header that was refused.")


class ErrorResponse(Model):
    """Every refusal of the API."""

    error: ErrorDetail


ERRORS = {
    400: "The JSON has the wrong shape or types, or a parameter or header is malformed.",
    401: ("No bearer token came (`WWW-Authenticate: Bearer realm=…`), or its token is not valid: malformed, "
          "tampered, unknown, or (staff tokens) revoked or of a deactivated holder "
          '(`WWW-Authenticate: Bearer realm=…, error="invalid_token"`, RFC 6750).'),
    404: "No such ticket or file for this caller.",
    409: "The ticket is in a state that does not allow this.",
    410: ("The seller link token was valid, but the seller's links were revoked since: ask for the new link "
          "(a retry with the same token will never work)."),
    413: "More than 1,000 events in one request: send them in several.",
    415: "The body is not `application/json`.",
    422: "Some fields have values the portal refuses; `fields` names them.",
    429: "Too many requests; wait a minute.",
}


def responses(ok: dict[int, tuple[type[BaseModel] | None, str]], *errors: int) -> Response:
    """A spectree Response: the success answers, then every error `errors` names, with their shape."""
    codes = {f"HTTP_{code}": (model, text) for code, (model, text) in ok.items()}
    codes.update({f"HTTP_{code}": (ErrorResponse, ERRORS[code]) for code in (*errors, 400)})
    return Response(**codes)


# --- shared representations -----------------------------------------------------------------------

class Attachment(Model):
    id: int
    filename: str
    size: int = Field(description="Bytes.")
    content_type: str
    url: str = Field(description="Where the file is downloaded, with the same token.")


class Sla(Model):
    first_response_due_at: dt.datetime = Field(description="The promised first-response time.")
    first_responded_at: dt.datetime | None
    state: SlaState


class Rating(Model):
    score: int = Field(ge=1, le=5)
    comment: str | None
    rated_at: dt.datetime | None


class TicketSummary(Model):
    reference: str = Field(examples=["T-2611-0042"])
    category: Category
    department: str = Field(description="Department code, e.g. `delivery`.")
    department_name: str
    priority: Priority
    status: Status
    tracking_numbers: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    first_response_due_at: dt.datetime = Field(description="The promised first-response time.")
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    url: str = Field(description="This ticket in the API.")


class TicketDetail(TicketSummary):
    description: str
    contact_phone: str | None
    routing_explanation: str
    sla: Sla
    rating: Rating | None


# --- the seller part ------------------------------------------------------------------------------

class SellerMessage(Model):
    author: Literal["seller", "staff"]
    author_name: str
    body: str
    created_at: dt.datetime
    attachments: list[Attachment]


class SellerTicket(TicketDetail):
    """A ticket as its seller sees it: never internal notes."""

    messages: list[SellerMessage]


class SellerTicketPage(Model):
    tickets: list[TicketSummary]
    next: str | None = Field(description="Pass as `before` for the next (older) page; null on the last page.")


class SellerReplyCreated(SellerMessage):
    ticket_status: Status


class RatingCreated(Model):
    reference: str
    score: int = Field(ge=1, le=5)
    comment: str | None
    rated_at: dt.datetime


class NewTicket(Model):
    category: Category
    tracking_numbers: list[str] = Field(
        None, max_length=50, description="Required for delivery and return problems; 8–40 letters and digits each.")
    description: str = Field(min_length=10, max_length=5000)
    contact_phone: str | None = Field(None, description="8–15 digits; the seller's phone when left out.")


class SellerReply(Model):
    body: str = Field(min_length=1, max_length=5000)


class NewRating(Model):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=COMMENT_MAX)


class SellerListQuery(Model):
    limit: int = Field(None, ge=1, le=LIMIT_MAX, description="Page size, 20 when left out.")
    before: str = Field(None, description="The `next` cursor of the previous page.")


class IdempotencyHeaders(Model):
    idempotency_key: str = Field(
        None, alias="Idempotency-Key", pattern=f"^{IDEMPOTENCY_KEY_RE.pattern}$",
        description="Send the same key again to get the same ticket instead of a second one.")


class ShipmentStatus(Model):
    """A parcel's latest status as its seller may read it."""

    tracking_number: str = Field(examples=["NV12345678"])
    status: str = Field(description=f"One of {', '.join(SHIPMENT_STATUSES)}; another carrier status comes as it "
                                    "was reported.")
    status_label: str = Field(description="The status in the seller's language; the status itself when the "
                                          "portal has no label for it.")
    hint: str | None = Field(description="What happens next, or what the seller can do, in the seller's "
                                         "language; null for a status the portal has no label for.")
    last_event: str = Field(description="The carrier's own words for its latest event; may be empty.")
    event_at: dt.datetime = Field(description="When the latest event happened.")


# --- the staff part -------------------------------------------------------------------------------

class Person(Model):
    email: str
    name: str


class SellerInfo(Model):
    code: str
    name: str
    phone: str | None


class StaffTicketSummary(TicketSummary):
    seller: SellerInfo
    assignee: Person | None
    sla_state: SlaState
    resolution_reason: str | None = Field(
        description="The code of the reason staff last resolved the ticket for (kept when it is reopened); "
                    "null when never resolved with one.")


class StaffMessage(Model):
    id: int
    author: Literal["seller", "staff", "system"]
    author_name: str
    author_email: str | None = Field(description="The staff member's e-mail for staff messages.")
    internal: bool = Field(description="An internal note: never shown to the seller.")
    body: str
    created_at: dt.datetime
    attachments: list[Attachment]


class TicketEvent(Model):
    id: int
    kind: str = Field(description="created, routed, assigned, replied, note_added, status_changed, transferred, …")
    actor: str
    created_at: dt.datetime
    data: dict[str, Any]


class StaffTicket(StaffTicketSummary):
    """A ticket as staff see it: the whole thread with internal notes, and its history."""

    description: str
    contact_phone: str | None
    routing_explanation: str
    routing_rule_version: str | None
    sla: Sla
    rating: Rating | None
    merged_into: str | None
    last_event_id: int = Field(description="Send back as `seen_event_id` with a reply to be told of crossing replies.")
    messages: list[StaffMessage]
    events: list[TicketEvent]


class QueuePage(Model):
    tickets: list[StaffTicketSummary]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last page.")
    next_url: str | None = Field(description="The next page with the same filters; null on the last page.")


class StaffReplyCreated(StaffMessage):
    ticket_status: Status


class StaffQueueQuery(Model):
    department: str = Field(None, description="Department code.")
    status: Literal[(*STATUSES, ANY_STATUS)] = Field(  # type: ignore[valid-type]
        None, description="Every open status when left out; `all` for any.")
    assignee: Literal[QUEUE_ASSIGNEE] = Field(None)  # type: ignore[valid-type]
    sla: Literal[SLA_STATES] = Field(None)  # type: ignore[valid-type]
    category: Category = Field(None)
    priority: Priority = Field(None)
    q: str = Field(None, max_length=QUERY_MAX, description="A reference, tracking number, seller code or words.")
    limit: int = Field(None, ge=1, le=LIMIT_MAX, description="Page size, 20 when left out.")
    after: str = Field(None, description="The `next` cursor of the previous page.")


class StaffReply(Model):
    body: str = Field(min_length=1, max_length=STAFF_BODY_MAX)
    internal: bool = Field(False, description="true: an internal note, never shown to the seller.")
    seen_event_id: int | None = Field(
        None, ge=0, le=DB_INT_MAX,
        description="The ticket's `last_event_id` as you read it: a public reply is refused (409) when "
                    "someone else replied since.")
    status: Status | None = Field(
        None, description="Moves the ticket with a public reply, in one step (not with a note, 422): e.g. "
                          "`waiting_on_seller`, or `resolved` with a `reason`. A move the ticket cannot make is 409.")
    reason: str | None = Field(
        None, max_length=REASON_CODE_MAX,
        description="With `status` resolved: the code of an active resolution reason (422 without one).")


class Assign(Model):
    assignee: str | None = Field(max_length=EMAIL_MAX, description="A colleague's e-mail; null unassigns.")


class Transfer(Model):
    department: str = Field(description="The department code to move the ticket to.")
    reason: str = Field(min_length=1, max_length=REASON_MAX)


class StatusChange(Model):
    status: Status
    reason: str | None = Field(
        None, max_length=REASON_CODE_MAX,
        description="Why the ticket is resolved: the code of an active resolution reason (the admin keeps the "
                    "list). Required when `status` is resolved (422 otherwise); ignored for other statuses.")


class PriorityChange(Model):
    priority: Priority


class OpenApiDocument(Model):
    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


# --- the document ---------------------------------------------------------------------------------

class DocumentOnly(FlaskPlugin):
    """Spectree's Flask plugin, describing the views without wrapping their requests: the views check
    their own input and answer in the API's own shape."""

    def validate(self, func, query, json, form, headers, cookies, resp, before, after,
                 validation_error_status, skip_validation, force_resp_serialize, *args, **kwargs):
        return func(*args, **kwargs)


spec = SpecTree(
    "flask", backend=DocumentOnly, mode="strict", annotations=False,
    title="Order-issue resolution portal API", version="1.0.0",
    description=("Sellers open and follow their tickets with their link token; staff integrations work the "
                 "queue with a personal API token; the carrier's system posts parcel events with an integration "
                 "token. Every refusal is "
                 '`{"error": {"status", "message", "fields"}}`.'),
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_status=400, validation_error_model=ErrorResponse,
    security_schemes=[
        SecurityScheme(name=SELLER_AUTH, data=SecuritySchemeData(
            type="http", scheme="bearer",
            description="The seller's link token: the `<token>` part of their link `/s/<token>`.")),
        SecurityScheme(name=STAFF_AUTH, data=SecuritySchemeData(
            type="http", scheme="bearer", bearer_format="pst_…",
            description="A staff member's personal API token, issued under /admin/api-tokens or with "
                        "`flask users token`.")),
        SecurityScheme(name=INTEGRATION_AUTH, data=SecuritySchemeData(
            type="http", scheme="bearer", bearer_format="pit_…",
            description="An integration token for the carrier's parcel events, made with "
                        "`flask integrations token --name` or under /admin/integration-tokens.")),
    ],
)

document = spec.validate
