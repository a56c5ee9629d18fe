"""Replay routing rules over recent tickets, so a rule change can be tried before use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import routing

from ..extensions import db
from ..models import Department, Seller, Ticket
from .runtime import runtime


def replay_recent(rules_path: str | None, days: int, *, now: dt.datetime) -> list[str]:
    """Human summary of where tickets of the last `days` days would go under the given rules."""
    ruleset = routing.load_rules(rules_path) if rules_path else runtime().ruleset
    rows = db.session.execute(
        select(Department.code, Ticket.category, Ticket.description, Ticket.tracking_numbers, Seller.code)
        .join(Department, Department.id == Ticket.department_id).join(Seller, Seller.id == Ticket.seller_id)
        .where(Ticket.created_at >= now - dt.timedelta(days=days))
        .execution_options(yield_per=5000))
    facts = ((dept, routing.TicketFacts(category=cat, description=desc, tracking_numbers=tuple((tn or "").split()),
                                        seller_code=code)) for dept, cat, desc, tn, code in rows)
    report = routing.replay(facts, ruleset)
    return [f"rules {ruleset.version}: {report.total} tickets of the last {days} days replayed", *report.lines()]
