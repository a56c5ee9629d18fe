"""The seller's pages: their tickets a page at a time (newest first, the start of each description,
tickets with a staff reply not yet opened marked new), the seen marker of a ticket the seller opens,
and the ticket a merged one went into."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ..db_setup import commit_keeping_state, writing
from ..extensions import db
from ..models import Seller, Ticket
from ..models.tickets import unseen_reply

log = logging.getLogger("portal.seller")
SNIPPET = 100  # characters of the description a row shows

_tickets = Ticket.__table__
_c = _tickets.c
# the row's own columns only: the list is on every visit to the link, and reads ix_tickets_seller_created
_COLUMNS = (_c.reference, _c.category, _c.status, _c.created_at,
            func.substr(_c.description, 1, SNIPPET + 1).label("description"), _c.last_staff_reply_at,
            _c.seller_seen_at)
_OF_SELLER = select(*_COLUMNS).where(_c.seller_id == bindparam("seller_id")).limit(bindparam("limit"))
_NEWEST_FIRST = _OF_SELLER.order_by(_c.created_at.desc(), _c.id.desc())
_OLDEST_FIRST = _OF_SELLER.order_by(_c.created_at, _c.id)
_OLDER = or_(_c.created_at < bindparam("created_at"),
             and_(_c.created_at == bindparam("created_at"), _c.id < bindparam("id")))
_NEWER = or_(_c.created_at > bindparam("created_at"),
             and_(_c.created_at == bindparam("created_at"), _c.id > bindparam("id")))
_OLDER_THAN, _NEWER_THAN = _NEWEST_FIRST.where(_OLDER), _OLDEST_FIRST.where(_NEWER)
_KEY = select(_c.id, _c.created_at).where(_c.seller_id == bindparam("seller_id"),
                                         _c.reference == bindparam("reference"))
_SEEN = (update(_tickets).where(_c.id == bindparam("ticket_id"),
                                or_(_c.seller_seen_at.is_(None), _c.seller_seen_at < bindparam("seen")))
         .values(seller_seen_at=bindparam("seen")))


@dataclass(frozen=True)
class TicketRow:
    """One line of the seller's list."""

    reference: str
    category: str
    status: str
    created_at: dt.datetime
    snippet: str  # the start of the description, on one line
    unseen: bool  # a public staff reply the seller has not opened yet


@dataclass(frozen=True)
class TicketPage:
    """A page of the list, and the references that continue it each way (None: nothing more)."""

    rows: list[TicketRow]
    older: str | None
    newer: str | None


def snippet(description: str | None) -> str:
    """The description's start on one line, cut at SNIPPET characters with an ellipsis."""
    text = " ".join((description or "").split())
    return text if len(text) <= SNIPPET else text[:SNIPPET].rstrip() + "…"


def _row(found) -> TicketRow:
    return TicketRow(found.reference, found.category, found.status, found.created_at, snippet(found.description),
                     unseen_reply(found.last_staff_reply_at, found.seller_seen_at))


def _run(statement, params: dict) -> list[TicketRow]:
    return [_row(r) for r in db.session.connection().execute(statement, params)]


def tickets_page(seller: Seller, limit: int, before: str | None = None, after: str | None = None) -> TicketPage:
    """A page of the seller's tickets, newest first: the first page, the `limit` older than the
    ticket `before`, or the `limit` just newer than the ticket `after` (references from a page shown
    before). A reference that is not one of the seller's gives the first page."""
    params = {"seller_id": seller.id, "limit": limit + 1}
    cursor = before or after
    key = db.session.connection().execute(_KEY, {**params, "reference": cursor}).first() if cursor else None
    if key is not None:
        params.update(created_at=key.created_at, id=key.id)
        if before:
            rows = _run(_OLDER_THAN, params)
            return TicketPage(rows[:limit], rows[limit - 1].reference if len(rows) > limit else None,
                              rows[0].reference if rows else None)
        rows = _run(_NEWER_THAN, params)
        if rows:
            more = len(rows) > limit
            rows = rows[:limit][::-1]
            return TicketPage(rows, rows[-1].reference, rows[0].reference if more else None)
    rows = _run(_NEWEST_FIRST, params)
    return TicketPage(rows[:limit], rows[limit - 1].reference if len(rows) > limit else None, None)


def opened(ticket: Ticket) -> bool:
    """The seller opened the ticket's page: the staff replies it shows are no longer new (seen up to
    the latest one the page read, so a reply that comes meanwhile stays new, whatever the clocks
    say). Most visits find nothing new and stay pure reads; otherwise one conditional UPDATE of the row is
    committed, in a transaction of its own that begins as a writer (on SQLite it queues for the write
    lock, where the page's read transaction, had it gone on to write, could fail at once with
    "database is locked"). A marker that cannot be written now (the lock stays taken) is left for the
    next visit: the page still shows. Returns whether the marker moved."""
    if not ticket.has_unseen_reply:
        return False
    seen = ticket.last_staff_reply_at
    commit_keeping_state()  # end the page's read; what it loaded stays loaded
    try:
        with writing():
            moved = db.session.connection().execute(_SEEN, {"ticket_id": ticket.id, "seen": seen}).rowcount
            commit_keeping_state()
    except OperationalError as exc:
        db.session.rollback()
        log.warning("seen marker of %s not written: %s", ticket.reference, str(exc.orig or exc).splitlines()[0])
        return False
    if moved:
        set_committed_value(ticket, "seller_seen_at", seen)
    return bool(moved)


def merged_into(ticket: Ticket) -> Ticket | None:
    """The ticket (of the same seller) a merged ticket went into; None for a ticket not merged."""
    if ticket.merged_into_id is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.id == ticket.merged_into_id,
                                                  Ticket.seller_id == ticket.seller_id))
