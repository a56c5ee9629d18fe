"""Canned replies: a department's ready-made answers with the ticket's details filled in."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from ..models import CannedReply, Department, Ticket
from . import audit
from .actor import Actor, actor_fields
from .errors import InvalidInput, NotFound


def _snapshot(reply: CannedReply, department_code: str) -> dict:
    return {"department": department_code, "title": reply.title, "body": reply.body, "active": bool(reply.active)}


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


def add(department_code: str, title: str, body: str, *, actor: Actor = "system",
        now: dt.datetime | None = None) -> CannedReply:
    """A new canned reply for a department, audited as canned.added. Commits; InvalidInput for
    unknown department, empty or duplicate title, or an empty body."""
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    errors: dict[str, list[str]] = {}
    if department is None:
        errors["department"] = [_l("Unknown department.")]
    if not title.strip():
        errors["title"] = [_l("Give the reply a title.")]
    if not body.strip():
        errors["body"] = [_l("Write the reply.")]
    if not errors and not ensure(department, title.strip(), body.strip()):
        errors["title"] = [_l("This department already has a reply with that title.")]
    if errors:
        db.session.rollback()
        raise InvalidInput("; ".join(str(v[0]) for v in errors.values()), errors)
    reply = db.session.scalar(select(CannedReply).where(CannedReply.department_id == department.id,
                                                        CannedReply.title == title.strip()))
    audit.record("canned.added", "canned_reply", f"{department.code}: {reply.title}", before=None,
                 after=_snapshot(reply, department.code), now=now or utcnow(), **actor_fields(actor))
    db.session.commit()
    return reply


def set_active(reply_id: int, active: bool, *, actor: Actor = "system", now: dt.datetime | None = None) -> CannedReply:
    """Switch a canned reply on or off (never deleted), audited as canned.switched_on/off. Commits."""
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound(_l("No such canned reply."))
    code = db.session.scalar(select(Department.code).where(Department.id == reply.department_id))
    before = _snapshot(reply, code)
    reply.active = active
    if before["active"] != active:
        audit.record("canned.switched_on" if active else "canned.switched_off", "canned_reply",
                     f"{code}: {reply.title}", before=before, after=_snapshot(reply, code), now=now or utcnow(),
                     **actor_fields(actor))
    db.session.commit()
    return reply
