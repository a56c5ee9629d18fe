"""What the inbox search finds, read straight from its query, for the tests of the search index."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Ticket
from portal.services import inbox


def found(q: str) -> list[int]:
    """What the inbox search matches, whatever the database."""
    return list(db.session.scalars(select(Ticket.id).where(inbox._search(q)).order_by(Ticket.id)))
