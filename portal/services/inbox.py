"""The staff queue: filters, search and keyset pagination ordered by first-response due time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, and_, false, literal, or_, select, tuple_

import routing

from .. import access
from ..extensions import db
from ..models import (
    CATEGORIES,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    Department,
    Seller,
    Ticket,
    TicketTracking,
    User,
    UTCDateTime,
)

SLA_STATES = ("on_track", "at_risk", "breached", "met")
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    department: str | None = None
    status: str | None = None  # None: every open status; "all": any status
    assignee: str = "any"  # mine, unassigned, any
    sla: str | None = None
    category: str | None = None
    priority: str | None = None
    q: str = ""
    after: str | None = None  # keyset cursor "<due iso>|<id>"

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """Read filters from query parameters, dropping values that are not known choices."""
        def pick(name, allowed):
            value = (args.get(name) or "").strip()
            return value if value in allowed else None
        return cls(department=(args.get("department") or "").strip()[:32] or None,
                   status=pick("status", (*STATUSES, "all")),
                   assignee=pick("assignee", ("mine", "unassigned")) or "any",
                   sla=pick("sla", SLA_STATES), category=pick("category", CATEGORIES),
                   priority=pick("priority", PRIORITIES), q=(args.get("q") or "").strip()[:200],
                   after=(args.get("after") or "").strip()[:80] or None)


def _search(q: str):
    """An exact reference, tracking number or seller code when the query is one (index lookups);
    otherwise every word, diacritics-insensitive, in the ticket's search text."""
    exact = [
        (select(Ticket.id).where(Ticket.reference == q.upper()), Ticket.reference == q.upper()),
        (select(TicketTracking.ticket_id).where(TicketTracking.tracking_number == q.upper()),
         Ticket.id.in_(select(TicketTracking.ticket_id).where(TicketTracking.tracking_number == q.upper()))),
        (select(Seller.id).where(Seller.code == q), Ticket.seller_id.in_(select(Seller.id).where(Seller.code == q))),
    ]
    # checked one by one, so each is an index lookup instead of one OR that scans every ticket
    found = [condition for probe, condition in exact if db.session.scalar(probe.limit(1)) is not None]
    if found:
        return or_(*found)
    words = routing.normalize_text(q).split()
    return and_(*[Ticket.search_text.contains(w, autoescape=True) for w in words[:8]]) if words else false()


def _sla(state: str, now: dt.datetime):
    waiting = and_(Ticket.first_responded_at.is_(None), Ticket.status.in_(OPEN_STATUSES))
    return {
        "met": and_(Ticket.first_responded_at.is_not(None), Ticket.first_responded_at <= Ticket.first_response_due_at),
        "breached": and_(waiting, Ticket.first_response_due_at <= now),
        "at_risk": and_(waiting, Ticket.at_risk_at <= now, Ticket.first_response_due_at > now),
        "on_track": and_(waiting, Ticket.at_risk_at > now),
    }[state]


def queue(user: User, f: QueueFilter, now: dt.datetime, limit: int | None = None) -> tuple[list[Ticket], str | None]:
    """One page of tickets the user may see, soonest due first; returns (tickets, next cursor)."""
    limit = limit or PAGE_SIZE
    query = access.visible(user, select(Ticket))
    if f.department:
        query = query.where(Ticket.department_id.in_(select(Department.id).where(Department.code == f.department)))
    if f.status is None:
        query = query.where(Ticket.status.in_(OPEN_STATUSES))
    elif f.status != "all":
        query = query.where(Ticket.status == f.status)
    if f.assignee == "mine":
        query = query.where(Ticket.assignee_id == user.id)
    elif f.assignee == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None))
    for column, value in ((Ticket.category, f.category), (Ticket.priority, f.priority)):
        if value:
            query = query.where(column == value)
    if f.sla:
        query = query.where(_sla(f.sla, now))
    if f.q:
        query = query.where(_search(f.q))
    cursor = parse_cursor(f.after)
    if cursor:
        due, ident = cursor
        query = query.where(tuple_(Ticket.first_response_due_at, Ticket.id)
                            > tuple_(literal(due, UTCDateTime()), literal(ident, Integer())))
    rows = list(db.session.scalars(query.order_by(Ticket.first_response_due_at, Ticket.id).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = f"{rows[-1].first_response_due_at.isoformat()}|{rows[-1].id}"
    return rows, next_cursor


def parse_cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    if not raw or "|" not in raw:
        return None
    due, _, ident = raw.rpartition("|")
    try:
        when = dt.datetime.fromisoformat(due)
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)), int(ident)
    except ValueError:
        return None


def staff_ticket(user: User, reference: str) -> Ticket | None:
    """The ticket if the user may see it; None otherwise (answered as 404, not 403)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    return ticket if ticket is not None and access.can_see(user, ticket) else None
