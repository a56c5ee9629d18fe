"""Test data on the suite's real database, made through the portal's own services as a seller or a
staff member makes it: sellers, staff users, tickets and messages. What tests vary is a keyword;
everything made is committed, and what a function returns can be read without a new query (on
SQLite a query would open a transaction, and every write transaction holds the write lock).

Tickets belong to the demo sellers unless told otherwise: the `demo` fixture loads them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from portal.db_setup import commit_keeping_state
from portal.models import Message, Seller, Ticket, User
from portal.services import departments, sellers, staff, staff_actions, tickets, uploads
from portal.services.runtime import runtime

PASSWORD = "demo-password-2026"  # the demo staff's, and the one users made here get
SELLER = "DEMO-001"
CATEGORY = "delivery_delay"
DESCRIPTION = "Shipper chưa đến lấy hàng"
TRACKING = ("NV12345678",)
MAX_UPLOAD_BYTES = 1024 * 1024

# a file as a test gives it: (name as uploaded, content)
File = tuple[str, bytes]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def upload(filename: str, data: bytes) -> uploads.Upload:
    """A file checked as the seller form checks it (by content, at most 1 MiB here)."""
    return uploads.check_upload(filename, data, MAX_UPLOAD_BYTES)


def seller(code: str, *, name: str | None = None, phone: str | None = "0901234567", locale: str = "vi",
           now: dt.datetime | None = None) -> Seller:
    """A seller added as an admin adds one, with its `seller.added` audit event."""
    data = sellers.SellerData(code, name or f"Shop {code}", phone, locale)
    return sellers.add_seller(data, now=now or _utcnow(), actor_label="test")


def user(email: str, *, role: str = "agent", department_codes: Sequence[str] = ("delivery",),
         name: str | None = None, password: str = PASSWORD, now: dt.datetime | None = None) -> User:
    """A staff account added as an admin adds one (active, on duty), with its `user.added` audit event."""
    return staff.add_user(email, name or email.split("@")[0], role, password, list(department_codes), actor="test",
                          now=now or _utcnow())


def ticket(created: dt.datetime, *, seller: str = SELLER, category: str = CATEGORY, description: str = DESCRIPTION,
           tracking: Sequence[str] = TRACKING, phone: str | None = None, files: Sequence[File] = (),
           submission_key: str | None = None, department: str | None = None, status: str | None = None,
           first_response_due_at: dt.datetime | None = None, at_risk_at: dt.datetime | None = None,
           first_responded_at: dt.datetime | None = None, resolved_at: dt.datetime | None = None,
           closed_at: dt.datetime | None = None) -> Ticket:
    """A ticket the seller with code `seller` submitted at `created`, routed, clocked and assigned
    by the portal as any submission is (a repeated `submission_key` gives back the first ticket).

    The other keywords then set what the portal decided or what happened since, as a test needs it
    without playing it through: the department (by code), the status, the due times, and when it
    was first answered, resolved and closed. None leaves a value as the portal made it."""
    made, _ = tickets.create_ticket(sellers.by_code(seller), tickets.NewTicket(
        category=category, description=description, tracking_numbers=tuple(tracking), contact_phone=phone,
        uploads=tuple(upload(name, data) for name, data in files), submission_key=submission_key),
        now=created, rt=runtime())
    afterwards = {"status": status, "first_response_due_at": first_response_due_at, "at_risk_at": at_risk_at,
                  "first_responded_at": first_responded_at, "resolved_at": resolved_at, "closed_at": closed_at}
    changes = {key: value for key, value in afterwards.items() if value is not None}
    if department is not None:
        changes["department"] = departments.by_code(department)
    if changes:
        for key, value in changes.items():
            setattr(made, key, value)
        commit_keeping_state()
    return made


def message(ticket: Ticket, body: str, *, now: dt.datetime, by: User | None = None, internal: bool = False,
            files: Sequence[File] = ()) -> Message:
    """A message on `ticket` at `now`: the seller's (with `files`) when `by` is None, else the staff
    member's public reply or, with `internal`, note. Through the same services as the pages, so the
    ticket's clock and status follow as they would."""
    if by is None:
        if internal:
            raise ValueError("a seller writes no internal notes")
        return tickets.seller_reply(ticket, body, tuple(upload(name, data) for name, data in files), now=now,
                                    rt=runtime())
    if files:
        raise ValueError("staff replies carry no files")
    return staff_actions.reply(ticket, by, body, internal, now=now)
