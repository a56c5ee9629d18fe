"""SLA enforcement: one idempotent sweep that marks at-risk and breached tickets and escalates.

Every mark is a conditional UPDATE … WHERE <mark> IS NULL … RETURNING in one transaction with
its events and notifications, so two schedulers, a crash mid-sweep or a sweep hours late still
produce each mark, event and escalation exactly once."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select, text, update

from ..extensions import db
from ..models import SWEEP_AT_RISK, SWEEP_BREACH, SWEEP_ESCALATE, Event, Notification, Ticket, User, user_departments

BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    at_risk: int
    breached: int
    escalated: int

    def line(self) -> str:
        return f"at_risk={self.at_risk} breached={self.breached} escalated={self.escalated}"


def _mark(condition: str, column, due_column, cutoff: dt.datetime, now: dt.datetime, extra: dict | None = None):
    """Set `column` to now on up to BATCH waiting tickets whose `due_column` <= cutoff;
    returns (id, reference, department_id, assignee_id) of the rows this call changed."""
    ids = select(Ticket.id).where(text(condition), due_column <= cutoff).order_by(due_column).limit(BATCH)
    stmt = (update(Ticket).where(Ticket.id.in_(ids.scalar_subquery()), column.is_(None))
            .values({column.key: now, **(extra or {})})
            .returning(Ticket.id, Ticket.reference, Ticket.department_id, Ticket.assignee_id,
                       Ticket.first_response_due_at))
    return db.session.execute(stmt, execution_options={"synchronize_session": False}).all()


def _staff(role: str, department_id: int | None = None) -> list[int]:
    query = select(User.id).where(User.role == role, User.active.is_(True))
    if department_id is not None:
        query = query.join(user_departments, user_departments.c.user_id == User.id).where(
            user_departments.c.department_id == department_id)
    return list(db.session.scalars(query))


def _events(rows, kind: str, now: dt.datetime, recipients, text_for, **data) -> int:
    for ticket_id, reference, department_id, assignee_id, due in rows:
        users = sorted(set(recipients(department_id, assignee_id)))
        db.session.add(Event(ticket_id=ticket_id, kind=kind, actor_label="sla", created_at=now,
                             data_json=json.dumps({"due_at": due.isoformat(), "notified": users, **data})))
        db.session.add_all(Notification(user_id=u, ticket_id=ticket_id, kind=kind, text=text_for(reference),
                                        created_at=now) for u in users)
    return len(rows)


def sweep(now: dt.datetime, manager_after: dt.timedelta) -> SweepResult:
    """One enforcement pass evaluated at `now`; counts what this pass newly marked."""
    at_risk = breached = escalated = 0
    while True:
        rows = _mark(SWEEP_AT_RISK, Ticket.at_risk_marked_at, Ticket.at_risk_at, now, now)
        at_risk += _events(rows, "sla_at_risk", now,
                           lambda d, a: [a] if a else _staff("lead", d),
                           lambda ref: f"{ref} is at risk of missing its first-response target")
        db.session.commit()
        if len(rows) < BATCH:
            break
    while True:
        rows = _mark(SWEEP_BREACH, Ticket.breached_at, Ticket.first_response_due_at, now, now, {"escalated_at": now})
        breached += _events(rows, "sla_breached", now, lambda d, a: [a] if a else [],
                            lambda ref: f"{ref} missed its first-response target")
        escalated += _events(rows, "escalated", now, lambda d, a: _staff("lead", d),
                             lambda ref: f"{ref} breached its first-response target: escalated to leads", to="leads")
        db.session.commit()
        if len(rows) < BATCH:
            break
    while True:
        rows = _mark(SWEEP_ESCALATE, Ticket.manager_escalated_at, Ticket.first_response_due_at,
                     now - manager_after, now)
        escalated += _events(rows, "escalated", now, lambda d, a: _staff("manager"),
                             lambda ref: f"{ref} is still unanswered long after its due time: escalated to managers",
                             to="managers")
        db.session.commit()
        if len(rows) < BATCH:
            break
    return SweepResult(at_risk, breached, escalated)
