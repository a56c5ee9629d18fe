"""In-app notifications for staff: the bell and its list."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Notification, Ticket, User


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent(user: User, limit: int = 50) -> list[tuple[Notification, str | None]]:
    """The user's latest notifications with the reference of their ticket."""
    return list(db.session.execute(
        select(Notification, Ticket.reference).outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)).all())


def mark_all_read(user: User, now: dt.datetime) -> int:
    """Mark every unread notification of the user as read; returns how many. Commits."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now))
    db.session.commit()
    return result.rowcount
