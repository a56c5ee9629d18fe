"""What the seller and staff parts of the JSON API share: the error shape, bearer tokens, JSON bodies,
times and cursors."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from flask import jsonify, request, url_for
from werkzeug.exceptions import BadRequest

from ..services.api_schema import ApiInputError
from ..services.errors import PortalError
from ..services.runtime import runtime

INVALID_TOKEN = "invalid_token"  # RFC 6750 § 3.1


class Unauthenticated(PortalError):
    """401 with a Bearer challenge. `error` is RFC 6750's error code: INVALID_TOKEN when a bearer
    token came and is not valid (malformed, tampered, unknown, revoked), None when none came at all
    (no header, another scheme, an empty token), for which the RFC asks for no code."""

    status_code = 401

    def __init__(self, message: str, realm: str, error: str | None = None) -> None:
        super().__init__(message)
        self.realm, self.error = realm, error


def error_response(status: int, message: str, fields: dict[str, list[str]] | None = None, *,
                   realm: str | None = None, error: str | None = None):
    """{"error": {"status", "message", "fields"}} with `status`; a 401 says which token it wants
    (`WWW-Authenticate: Bearer realm="…"`) and, given `error`, what is wrong with the one it got."""
    response = jsonify({"error": {"status": status, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        challenge = f'Bearer realm="{realm or "api"}"'
        response.headers["WWW-Authenticate"] = f'{challenge}, error="{error}"' if error else challenge
    return response


def bearer_token(realm: str, missing: str, garbled: str) -> str:
    """The token of `Authorization: Bearer <token>`, or Unauthenticated: `missing` without a bearer
    token, `garbled` (invalid_token) for a token with spaces in it, which no token has."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(missing, realm)
    if any(ch.isspace() for ch in token):
        raise Unauthenticated(garbled, realm, INVALID_TOKEN)
    return token


def json_body() -> object:
    """The decoded JSON body. Refuses (400) what JSON allows but no text column can hold: an unpaired
    surrogate (`"\\ud800"`) cannot be stored as UTF-8; and nesting too deep to decode."""
    if not request.is_json:
        raise ApiInputError(415, "Send the body as JSON with `Content-Type: application/json`.")
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):
        raise ApiInputError(400, "The body is not valid JSON.") from None
    if _has_lone_surrogate(body):
        raise ApiInputError(400, "The body contains an unpaired surrogate escape (such as \\ud800), "
                                 "which is not text.")
    return body


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: object) -> bool:
    pending = [value]  # a loop, not recursion: the nesting depth is the sender's choice
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def iso_time(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the portal zone's offset."""
    return value.astimezone(runtime().timezone).isoformat(timespec="seconds") if value else None


def encode_cursor(text: str) -> str:
    """An opaque page cursor: callers pass it back, they do not read it."""
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_cursor(raw: str) -> str | None:
    """The text inside a cursor made by encode_cursor, or None when it is not one."""
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def ticket_summary(ticket) -> dict:
    """The fields of a ticket both APIs answer; `url` points into the calling API's blueprint."""
    return {
        "reference": ticket.reference,
        "category": ticket.category,
        "department": ticket.department.code,
        "department_name": ticket.department.name,
        "priority": ticket.priority,
        "status": ticket.status,
        "tracking_numbers": ticket.tracking_list,
        "created_at": iso_time(ticket.created_at),
        "updated_at": iso_time(ticket.updated_at),
        "first_response_due_at": iso_time(ticket.first_response_due_at),
        "first_responded_at": iso_time(ticket.first_responded_at),
        "resolved_at": iso_time(ticket.resolved_at),
        "url": url_for(".ticket", reference=ticket.reference),
    }
