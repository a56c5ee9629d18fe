"""Replay routing rules over recent tickets, so a rule change can be tried before use."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select

import routing

from ..extensions import db
from ..models import Department, Seller, Ticket


def recent_tickets(days: int, *, now: dt.datetime,
                   limit: int | None = None) -> Iterator[tuple[int, str, routing.TicketFacts]]:
    """(ticket id, current department code, routing facts) of the tickets created in the `days` days
    before `now`, newest first, streamed; at most `limit` of them when given."""
    query = (select(Ticket.id, Department.code, Ticket.category, Ticket.description, Ticket.tracking_numbers,
                    Seller.code)
             .join(Department, Department.id == Ticket.department_id).join(Seller, Seller.id == Ticket.seller_id)
             .where(Ticket.created_at >= now - dt.timedelta(days=days), Ticket.created_at <= now)
             .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    rows = db.session.execute(query.execution_options(yield_per=5000))
    for ticket_id, department, category, description, tracking_numbers, seller_code in rows:
        yield ticket_id, department, routing.TicketFacts(
            category=category, description=description or "", tracking_numbers=tuple((tracking_numbers or "").split()),
            seller_code=seller_code)


def replay_recent(ruleset: routing.RuleSet, days: int, *, now: dt.datetime) -> list[str]:
    """Human summary of where tickets of the last `days` days would go under `ruleset`, compared with
    the department each ticket is in now."""
    pairs = ((ticket_id, (department, facts)) for ticket_id, department, facts in recent_tickets(days, now=now))
    report = routing.replay_items(pairs, ruleset)
    return [f"rules {ruleset.version}: {report.total} tickets of the last {days} days replayed", *report.lines()]
