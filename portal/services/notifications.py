"""In-app notifications for staff: the bell and its list."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from .. import access
from ..extensions import db
from ..models import Notification, Ticket, User


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[tuple[Notification, str | None, bool]]:
    """The user's latest notifications with the reference of their ticket and whether the user may
    still open it: a ticket transferred to another department since is named, never linked."""
    rows = db.session.execute(
        select(Notification, Ticket.reference).outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)).all()
    ids = {n.ticket_id for n, _reference in rows if n.ticket_id is not None}
    open_to_user = set(db.session.scalars(access.visible(user, select(Ticket.id).where(Ticket.id.in_(ids))))) \
        if ids else set()
    return [(n, reference, n.ticket_id in open_to_user) for n, reference in rows]


def mark_all_read(user: User, now: dt.datetime) -> int:
    """Mark every unread notification of the user as read; returns how many. Commits."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()
    return result.rowcount
