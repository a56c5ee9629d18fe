"""Canned replies: a department's ready-made answers with the ticket's details filled in."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import CannedReply, Department, Ticket


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
