"""What staff do to a ticket. Each action is committed with its event."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vocabulary import PRIORITIES

from .. import access
from ..extensions import db
from ..models import Attachment, Department, Event, Message, ResolutionReason, Ticket, User
from . import history, resolution_reasons, uploads
from .errors import Conflict, InvalidInput

TRANSITIONS = {
    "new": {"open", "waiting_on_seller", "resolved", "closed"},
    "open": {"waiting_on_seller", "resolved", "closed"},
    "waiting_on_seller": {"open", "resolved", "closed"},
    "resolved": {"open", "closed"},
    "closed": set(),
}


class StaleView(Conflict):
    """Someone else replied after the page was loaded; the draft was not sent."""

    def __init__(self, replies: list[Event]) -> None:
        names = ", ".join(sorted({e.actor_label for e in replies}))
        super().__init__(_l("%(names)s replied while you were writing. Read the new messages, then send again.",
                            names=names))
        self.replies = replies


def replies_since(ticket: Ticket, user: User, seen_event_id: int) -> list[Event]:
    """Public replies by anyone else (staff or seller) recorded after `seen_event_id`."""
    return list(db.session.scalars(select(Event).where(
        Event.ticket_id == ticket.id, Event.kind == "replied", Event.id > seen_event_id,
        (Event.actor_user_id.is_(None)) | (Event.actor_user_id != user.id)).order_by(Event.id)))


def last_event_id(ticket: Ticket) -> int:
    return db.session.scalar(select(func.max(Event.id)).where(Event.ticket_id == ticket.id)) or 0


def reply(ticket: Ticket, user: User, body: str, internal: bool, *, now: dt.datetime,
          seen_event_id: int | None = None, files: tuple[uploads.Upload, ...] = (),
          upload_dir: str | None = None, status: str | None = None, reason: str | None = None,
          require_reason: bool = False) -> Message:
    """A public reply to the seller or an internal note. The first public staff reply stops
    the first-response clock; a public reply opens a new ticket. With `seen_event_id` (the
    history the writer saw), a public reply that would cross someone else's raises StaleView.
    `files` (checked uploads, stored under `upload_dir`) go with the message: the seller sees
    those of a public reply, never those of a note. With `status`, a public reply also moves the
    ticket there (waiting on the seller, resolved…), in the same transaction: the seller is told
    once, of the weightier change. `reason` (a resolution reason's code) goes with a move to
    resolved; `require_reason` (staff pages, the API) refuses a resolution without one."""
    if status is not None and internal:
        raise InvalidInput(_l("An internal note does not change the status."), {"status": [_l("Not with a note.")]})
    if status is not None and status not in TRANSITIONS:
        raise InvalidInput(_l("Unknown status."), {"status": [_l("Unknown status.")]})
    if not body.strip():
        raise InvalidInput(_l("Write a message."), {"body": [_l("Write a message.")]})
    if ticket.status == "closed" and not internal:
        raise Conflict(_l("The ticket is closed; the seller cannot see new replies."))
    if seen_event_id is not None and not internal:
        crossing = replies_since(ticket, user, seen_event_id)
        if crossing:
            raise StaleView(crossing)
    after_reply = "open" if ticket.status == "new" else ticket.status
    if status is not None and status != after_reply and status not in TRANSITIONS.get(after_reply, set()):
        raise Conflict(_l("A %(old)s ticket cannot become %(new)s.", old=after_reply, new=status))
    chosen = resolution_reasons.check(status or "", reason, required=require_reason) if status else None
    message = Message(ticket_id=ticket.id, author_kind="staff", author_user_id=user.id, body=body,
                      internal=internal, created_at=now)
    db.session.add(message)
    history.record(ticket, "note_added" if internal else "replied", now, actor=user, by="staff",
                   **({"attachments": len(files)} if files else {}))
    if not internal:
        ticket.last_staff_reply_at = now
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if ticket.status == "new":
            history.record(ticket, "status_changed", now, actor=user, old="new", new="open")
            ticket.status = "open"
        if status is not None:
            _move(ticket, user, status, now, chosen)
    ticket.updated_at = now
    _commit_with_files(message, files, upload_dir, now)
    return message


def _commit_with_files(message: Message, files: tuple[uploads.Upload, ...], upload_dir: str | None,
                       now: dt.datetime) -> None:
    """Store the files, then commit them with the message: a failed commit leaves no file behind."""
    if files and not upload_dir:
        raise ValueError("files need an upload_dir")
    written: list[str] = []
    try:
        for upload in files:
            written.append(uploads.store(upload, upload_dir))
            message.attachments.append(Attachment(
                ticket_id=message.ticket_id, filename=upload.filename, stored_name=written[-1],
                content_type=upload.content_type, size=len(upload.data), sha256=upload.sha256, created_at=now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        uploads.discard(written, upload_dir or "")
        raise


def assign(ticket: Ticket, user: User, assignee_email: str | None, *, now: dt.datetime) -> None:
    """Assign to a colleague of the ticket's department by e-mail; empty unassigns."""
    email = (assignee_email or "").strip().lower()
    assignee = None
    if email:
        assignee = db.session.scalar(select(User).where(func.lower(User.email) == email, User.active.is_(True)))
        if assignee is None:
            raise InvalidInput(_l("No active user %(email)s.", email=email), {"assignee": [_l("No such active user.")]})
        if not assignee.sees_all_departments and ticket.department_id not in {d.id for d in assignee.departments}:
            raise InvalidInput(_l("%(name)s does not work in %(department)s.", name=assignee.name,
                                  department=ticket.department.name),
                               {"assignee": [_l("Not in this department.")]})
    if ticket.assignee_id == (assignee.id if assignee else None):
        return
    history.record(ticket, "assigned", now, actor=user, assignee_id=assignee.id if assignee else None,
                   assignee=assignee.email if assignee else None)
    ticket.assignee_id, ticket.updated_at = (assignee.id if assignee else None), now
    db.session.commit()


def change_status(ticket: Ticket, user: User, status: str, *, now: dt.datetime, reason: str | None = None,
                  require_reason: bool = False) -> None:
    """Move along an allowed transition; resolved and closed times are kept. A move to resolved
    stores `reason` (a resolution reason's code; InvalidInput for an unknown or switched-off one),
    and with `require_reason` (staff pages, the API) is refused without one. Reopening keeps the
    last reason."""
    if status == ticket.status:
        return
    chosen = resolution_reasons.check(status, reason, required=require_reason)
    _move(ticket, user, status, now, chosen)
    db.session.commit()


def _move(ticket: Ticket, user: User, status: str, now: dt.datetime,
          reason: ResolutionReason | None = None) -> None:
    """The status change of `change_status`, in the caller's transaction; raises Conflict for a
    transition that is not allowed (nothing then is committed). A reason given with a move to
    resolved is stored on the ticket and in the history, with its labels as they were then."""
    if status == ticket.status:
        return
    if status not in TRANSITIONS.get(ticket.status, set()):
        raise Conflict(_l("A %(old)s ticket cannot become %(new)s.", old=ticket.status, new=status))
    said = ({"reason": reason.code, "reason_en": reason.label_en, "reason_vi": reason.label_vi}
            if reason is not None and status == "resolved" else {})
    history.record(ticket, "status_changed", now, actor=user, old=ticket.status, new=status, **said)
    if said:
        ticket.resolution_reason = reason.code
    if status == "resolved":
        ticket.resolved_at = now
    elif status == "closed":
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif ticket.status == "resolved":
        ticket.resolved_at = None
    ticket.status, ticket.updated_at = status, now


def change_priority(ticket: Ticket, user: User, priority: str, *, now: dt.datetime) -> None:
    if priority not in PRIORITIES:
        raise InvalidInput(_l("Priority is normal, high or urgent."), {"priority": [_l("Unknown priority.")]})
    if priority == ticket.priority:
        return
    history.record(ticket, "priority_changed", now, actor=user, old=ticket.priority, new=priority)
    ticket.priority, ticket.updated_at = priority, now
    db.session.commit()


def transfer(ticket: Ticket, user: User, department_code: str, reason: str, *, now: dt.datetime) -> None:
    """Move to another department with a reason; the SLA clock keeps its original due time."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why the ticket moves."), {"reason": [_l("A reason is required.")]})
    target = db.session.scalar(select(Department).where(Department.code == department_code))
    if target is None:
        raise InvalidInput(_l("Unknown department."), {"department": [_l("Unknown department.")]})
    if target.id == ticket.department_id:
        raise InvalidInput(_l("The ticket is already in that department."), {"department": [_l("Same department.")]})
    history.record(ticket, "transferred", now, actor=user, old=ticket.department.code, new=target.code,
                   reason=reason)
    ticket.department_id, ticket.assignee_id, ticket.updated_at = target.id, None, now
    db.session.commit()


def merge(ticket: Ticket, user: User, into_reference: str, *, now: dt.datetime) -> Ticket:
    """Close a duplicate into another ticket of the same seller; both histories say so."""
    target = db.session.scalar(select(Ticket).where(Ticket.reference == (into_reference or "").strip().upper()))
    if target is None or target.seller_id != ticket.seller_id or not access.can_see(user, target):
        message = _l("No ticket of the same seller with that reference.")
        raise InvalidInput(message, {"into": [message]})
    if target.id == ticket.id:
        raise InvalidInput(_l("A ticket cannot be merged into itself."), {"into": [_l("Same ticket.")]})
    if ticket.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict(_l("One of these tickets was already merged."))
    history.record(ticket, "merged", now, actor=user, into=target.reference)
    history.record(target, "merged", now, actor=user, absorbed=ticket.reference)
    db.session.add(Message(ticket_id=target.id, author_kind="system", internal=True, created_at=now,
                           body=f"Merged from {ticket.reference}: {ticket.description}"))
    if ticket.status not in ("closed",):
        history.record(ticket, "status_changed", now, actor=user, old=ticket.status, new="closed")
    ticket.merged_into_id, ticket.status, ticket.closed_at, ticket.updated_at = target.id, "closed", now, now
    ticket.resolved_at = ticket.resolved_at or now
    db.session.commit()
    return target
