"""Who else has a ticket open: a heartbeat from the ticket page, kept for a minute."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Ticket, TicketPresence, User

WINDOW = dt.timedelta(seconds=60)


def others_here(ticket: Ticket, user: User, now: dt.datetime) -> list[User]:
    """Colleagues whose page on this ticket checked in within the last minute."""
    return [p.user for p in db.session.scalars(select(TicketPresence).where(
        TicketPresence.ticket_id == ticket.id, TicketPresence.user_id != user.id,
        TicketPresence.seen_at >= now - WINDOW).order_by(TicketPresence.seen_at))]


def check_in(ticket: Ticket, user: User, now: dt.datetime) -> list[User]:
    """Record that `user` has the ticket open; returns the others who do. Commits."""
    row = db.session.get(TicketPresence, (ticket.id, user.id))
    if row is None:
        db.session.add(TicketPresence(ticket_id=ticket.id, user_id=user.id, seen_at=now))
    else:
        row.seen_at = now
    db.session.execute(delete(TicketPresence).where(TicketPresence.seen_at < now - 10 * WINDOW))
    try:
        db.session.commit()
    except IntegrityError:  # the same user's other tab checked in at the same moment
        db.session.rollback()
    return others_here(ticket, user, now)
