"""Canned replies: a department's ready-made answers with the ticket's details filled in."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import CannedReply, Department, Ticket
from .errors import InvalidInput, NotFound


def fill(body: str, ticket: Ticket) -> str:
    """The body with {seller_name} and {reference} replaced; other braces are left alone."""
    return body.replace("{seller_name}", ticket.seller.name).replace("{reference}", ticket.reference or "")


def for_ticket(ticket: Ticket) -> list[tuple[str, str]]:
    """(title, filled body) of the active canned replies of the ticket's department."""
    rows = db.session.scalars(select(CannedReply).where(CannedReply.department_id == ticket.department_id,
                                                        CannedReply.active.is_(True)).order_by(CannedReply.title))
    return [(c.title, fill(c.body, ticket)) for c in rows]


def ensure(department: Department, title: str, body: str) -> bool:
    """Add a canned reply unless the department has one with that title; True when added."""
    exists = db.session.scalar(select(CannedReply.id).where(CannedReply.department_id == department.id,
                                                            CannedReply.title == title))
    if exists:
        return False
    db.session.add(CannedReply(department_id=department.id, title=title, body=body))
    return True


def all_replies() -> list[tuple[CannedReply, str]]:
    """Every canned reply with its department code, by department then title."""
    return list(db.session.execute(select(CannedReply, Department.code).join(
        Department, Department.id == CannedReply.department_id).order_by(Department.code, CannedReply.title)).all())


def add(department_code: str, title: str, body: str) -> CannedReply:
    """A new canned reply for a department. Commits; InvalidInput for unknown department, empty or
    duplicate title, or an empty body."""
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    errors: dict[str, list[str]] = {}
    if department is None:
        errors["department"] = ["Unknown department."]
    if not title.strip():
        errors["title"] = ["Give the reply a title."]
    if not body.strip():
        errors["body"] = ["Write the reply."]
    if not errors and not ensure(department, title.strip(), body.strip()):
        errors["title"] = ["This department already has a reply with that title."]
    if errors:
        db.session.rollback()
        raise InvalidInput("; ".join(v[0] for v in errors.values()), errors)
    db.session.commit()
    return db.session.scalar(select(CannedReply).where(CannedReply.department_id == department.id,
                                                       CannedReply.title == title.strip()))


def set_active(reply_id: int, active: bool) -> CannedReply:
    """Switch a canned reply on or off (never deleted). Commits."""
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound("No such canned reply.")
    reply.active = active
    db.session.commit()
    return reply
