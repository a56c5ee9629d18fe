"""Checks and normalises JSON bodies and parameters of the API: the seller's with the seller form's
own rules, the staff's with the inbox's.

Pure functions: a body is a decoded JSON value; a refusal is an ApiInputError carrying the
HTTP status (400 for the wrong shape or types, 422 for values the form would refuse too) and
the messages per field.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

import normalize
from normalize import DESCRIPTION_MAX, DESCRIPTION_MIN
from vocabulary import ANY_STATUS, CATEGORIES, PRIORITIES, STATUSES, TRACKING_REQUIRED

from .errors import PortalError
from .inbox import SLA_STATES, QueueFilter

IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
COMMENT_MAX = 2000
LIMIT_DEFAULT, LIMIT_MAX = 20, 100
STAFF_BODY_MAX = 10000  # as the inbox's reply form
REASON_MAX = 2000
REASON_CODE_MAX = 32  # a resolution reason's code (models.reasons.MAX_CODE)
EMAIL_MAX = 254
QUERY_MAX = 200
DB_INT_MAX = 2**31 - 1
QUEUE_ASSIGNEE = ("mine", "unassigned", "any")
_ATTENTION = _l("Some fields need attention.")


class ApiInputError(PortalError):
    """A request body or parameter the API refuses; `status_code` is 400 or 422."""

    def __init__(self, status_code: int, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message, fields)
        self.status_code = status_code


@dataclass(frozen=True)
class TicketInput:
    category: str
    tracking_numbers: tuple[str, ...]
    description: str
    contact_phone: str | None


class _Fields:
    """Collects messages per field, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self, status: int, message: str) -> None:
        if self.errors:
            raise ApiInputError(status, message, self.errors)


def _object(body: object) -> dict:
    if not isinstance(body, dict):
        raise ApiInputError(400, _l("The request body must be a JSON object."))
    return body


def _check_types(body: dict, spec: dict[str, tuple[str, bool]]) -> None:
    """`spec`: field -> (kind, nullable) with kind "string", "string_list" or "integer"."""
    wrong = _Fields()
    for field, (kind, nullable) in spec.items():
        value = body.get(field)
        if value is None:
            if field in body and not nullable:
                wrong.add(field, _NOT_NULL[kind])
            continue
        if kind == "string" and not isinstance(value, str):
            wrong.add(field, _l("Must be a string."))
        elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            wrong.add(field, _l("Must be an integer."))
        elif kind == "boolean" and not isinstance(value, bool):
            wrong.add(field, _l("Must be true or false."))
        elif kind == "string_list" and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            wrong.add(field, _l("Must be a list of strings."))
    wrong.raise_if_any(400, _l("Some fields have the wrong type."))


_NOT_NULL = {"string": _l("Must be a string, not null."), "string_list": _l("Must be a list of strings, not null."),
             "integer": _l("Must be an integer, not null."), "boolean": _l("Must be true or false, not null.")}


def _normalized(fields: _Fields, field: str, fn, value):
    try:
        return fn(value)
    except normalize.NormalizeError as exc:
        fields.add(field, exc.text(gettext))
        return None


def ticket_input(body: object) -> TicketInput:
    """A new ticket's fields, normalised; the same rules as the seller form."""
    body = _object(body)
    _check_types(body, {"category": ("string", False), "tracking_numbers": ("string_list", True),
                        "description": ("string", False), "contact_phone": ("string", True)})
    fields = _Fields()
    category = body.get("category")
    if not category:
        fields.add("category", _l("Choose what the problem is about."))
    elif category not in CATEGORIES:
        fields.add("category", _l("Unknown category; use one of: %(values)s.", values=", ".join(CATEGORIES)))
    # one number per list item; the normaliser upper-cases, deduplicates and checks each
    numbers = _normalized(fields, "tracking_numbers", normalize.tracking_numbers,
                          "\n".join(body.get("tracking_numbers") or []))
    if numbers == [] and category in TRACKING_REQUIRED:
        fields.add("tracking_numbers", _l("Enter at least one tracking number for this kind of problem."))
    description = None
    if "description" not in body or not str(body.get("description") or "").strip():
        fields.add("description", _l("Tell us what happened."))
    else:
        description = _normalized(fields, "description",
                                  lambda v: normalize.text(v, max_length=DESCRIPTION_MAX), body["description"])
        if description is not None and len(description) < DESCRIPTION_MIN:
            fields.add("description", _l("Please describe the problem in at least %(count)s characters.",
                                         count=DESCRIPTION_MIN))
    phone = _normalized(fields, "contact_phone", normalize.phone, body.get("contact_phone"))
    fields.raise_if_any(422, _ATTENTION)
    return TicketInput(category=category, tracking_numbers=tuple(numbers or ()), description=description,
                       contact_phone=phone)


def reply_input(body: object) -> str:
    body = _object(body)
    _check_types(body, {"body": ("string", False)})
    fields = _Fields()
    text = _normalized(fields, "body", lambda v: normalize.text(v, max_length=DESCRIPTION_MAX), body.get("body"))
    if text == "":
        fields.add("body", _l("Write a message."))
    fields.raise_if_any(422, _ATTENTION)
    return text


def rating_input(body: object) -> tuple[int, str | None]:
    body = _object(body)
    _check_types(body, {"score": ("integer", False), "comment": ("string", True)})
    fields = _Fields()
    score = body.get("score")
    if score is None or not 1 <= score <= 5:
        fields.add("score", _l("Choose a rating from 1 to 5."))
    comment = _normalized(fields, "comment", lambda v: normalize.text(v, max_length=COMMENT_MAX), body.get("comment"))
    fields.raise_if_any(422, _ATTENTION)
    return score, comment or None


def idempotency_key(raw: str | None) -> str | None:
    """The Idempotency-Key header's value, or None when absent."""
    if raw is None:
        return None
    if not IDEMPOTENCY_KEY_RE.fullmatch(raw):
        raise ApiInputError(400, _l("Idempotency-Key must be 1–64 letters, digits, dashes or underscores."),
                            {"Idempotency-Key": [_l("Use 1–64 letters, digits, dashes or underscores.")]})
    return raw


def page_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return LIMIT_DEFAULT
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= LIMIT_MAX:
        raise ApiInputError(400, _l("limit must be a whole number from 1 to %(max)s.", max=LIMIT_MAX),
                            {"limit": [_l("Use a whole number from 1 to %(max)s.", max=LIMIT_MAX)]})
    return int(raw)


# --- the staff API --------------------------------------------------------------------------------

def _choice(fields: _Fields, body: dict, field: str, allowed: tuple[str, ...], missing: str) -> str | None:
    value = body.get(field)
    if not value:
        fields.add(field, missing)
    elif value not in allowed:
        fields.add(field, _l("Unknown %(field)s; use one of: %(values)s.", field=field, values=", ".join(allowed)))
    return value


def _reason(fields: _Fields, body: dict) -> str | None:
    """The resolution reason's code given with a status, or None; whether it exists and is needed
    is the services' rule."""
    reason = body.get("reason")
    if reason is not None and len(reason) > REASON_CODE_MAX:
        fields.add("reason", _l("Choose a resolution reason from the list."))
    return reason or None


def staff_reply_input(body: object) -> tuple[str, bool, int | None, str | None, str | None]:
    """(text, internal, seen_event_id, status, reason) of a staff reply or internal note. With
    `seen_event_id`, the last history entry the writer saw, a public reply crossing someone else's is
    refused. `status` (none: the usual move to open), and with resolved its resolution `reason`, go
    with a public reply as on the ticket's page; the services say which moves are allowed."""
    body = _object(body)
    _check_types(body, {"body": ("string", False), "internal": ("boolean", True),
                        "seen_event_id": ("integer", True), "status": ("string", True), "reason": ("string", True)})
    fields = _Fields()
    text = _normalized(fields, "body", lambda v: normalize.text(v, max_length=STAFF_BODY_MAX), body.get("body"))
    if text == "":
        fields.add("body", _l("Write a message."))
    seen = body.get("seen_event_id")
    if seen is not None and not 0 <= seen <= DB_INT_MAX:
        fields.add("seen_event_id", _l("Use the `last_event_id` of the ticket as you read it."))
    status = _choice(fields, body, "status", STATUSES, _l("Choose the status.")) if body.get("status") else None
    reason = _reason(fields, body)
    fields.raise_if_any(422, _ATTENTION)
    return text, bool(body.get("internal")), seen, status, reason


def assign_input(body: object) -> str | None:
    """The assignee's e-mail, or None to unassign (`"assignee": null` or an empty string)."""
    body = _object(body)
    _check_types(body, {"assignee": ("string", True)})
    fields = _Fields()
    if "assignee" not in body:
        fields.add("assignee", _l("Give the assignee's e-mail, or null to unassign."))
    email = _normalized(fields, "assignee", lambda v: normalize.text(v, max_length=EMAIL_MAX),
                        body.get("assignee"))
    fields.raise_if_any(422, _ATTENTION)
    return email.lower() if email else None


def transfer_input(body: object, departments: Collection[str]) -> tuple[str, str]:
    """(department code, reason) of a transfer; the code must be one of `departments`."""
    body = _object(body)
    _check_types(body, {"department": ("string", False), "reason": ("string", False)})
    fields = _Fields()
    department = _choice(fields, body, "department", tuple(sorted(departments)), _l("Choose the department."))
    reason = _normalized(fields, "reason", lambda v: normalize.text(v, max_length=REASON_MAX), body.get("reason"))
    if reason == "":
        fields.add("reason", _l("Say why the ticket moves."))
    fields.raise_if_any(422, _ATTENTION)
    return department, reason


def status_input(body: object) -> tuple[str, str | None]:
    """(status, resolution reason code or None) a staff member asks for. Whether the ticket may move
    there, and which reasons exist and when one is needed, are the services' rules."""
    body = _object(body)
    _check_types(body, {"status": ("string", False), "reason": ("string", True)})
    fields = _Fields()
    status = _choice(fields, body, "status", STATUSES, _l("Choose the status."))
    reason = _reason(fields, body)
    fields.raise_if_any(422, _ATTENTION)
    return status, reason


def priority_input(body: object) -> str:
    """The priority a staff member asks for."""
    body = _object(body)
    _check_types(body, {"priority": ("string", False)})
    fields = _Fields()
    priority = _choice(fields, body, "priority", PRIORITIES, _l("Choose the priority."))
    fields.raise_if_any(422, _ATTENTION)
    return priority


def queue_cursor(text: str | None) -> str | None:
    """The inbox's keyset cursor "<due ISO 8601>|<ticket id>" in canonical form, or None when `text`
    is not one (any date the database can hold, an id a database integer can hold)."""
    if not text or "|" not in text:
        return None
    due, _, ident = text.rpartition("|")
    if not (ident.isascii() and ident.isdigit() and len(ident) <= 10 and int(ident) <= DB_INT_MAX):
        return None
    try:
        when = dt.datetime.fromisoformat(due)
        when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return f"{when.isoformat()}|{int(ident)}"


def queue_filter(args: Mapping[str, str], departments: Collection[str],
                 cursor_text: str | None) -> tuple[QueueFilter, int]:
    """The inbox filters and page size from query parameters; unlike the inbox page, which drops
    what it does not know, an unknown value is refused (400) with the parameter named.
    `cursor_text` is the decoded `after` cursor (None when absent or not decodable)."""
    fields = _Fields()

    def pick(name: str, allowed: Collection[str]) -> str | None:
        value = args.get(name)
        if value is None or value == "":
            return None
        if value not in allowed:
            fields.add(name, _l("Use one of: %(values)s.", values=", ".join(sorted(allowed))))
            return None
        return value

    q = args.get("q") or ""
    if len(q) > QUERY_MAX:
        fields.add("q", _l("Search for at most %(max)s characters.", max=QUERY_MAX))
    after = None
    if args.get("after"):
        after = queue_cursor(cursor_text)
        if after is None:
            fields.add("after", _l("Not a cursor from this API; use the `next` value of a previous page."))
    try:
        limit = page_limit(args.get("limit"))
    except ApiInputError as exc:
        fields.errors.update(exc.fields)
        limit = LIMIT_DEFAULT
    f = QueueFilter(department=pick("department", departments), status=pick("status", (*STATUSES, ANY_STATUS)),
                    assignee=pick("assignee", QUEUE_ASSIGNEE) or "any", sla=pick("sla", SLA_STATES),
                    category=pick("category", CATEGORIES), priority=pick("priority", PRIORITIES),
                    q=q.strip(), after=after)
    fields.raise_if_any(400, _l("Some query parameters are not valid."))
    return f, limit
