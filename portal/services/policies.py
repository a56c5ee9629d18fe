"""SLA policies per department and priority, versioned; re-applied to open tickets only on request."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

import sla

from ..extensions import db
from ..models import OPEN_STATUSES, PRIORITIES, Department, SlaPolicy, Ticket
from . import history
from .errors import InvalidInput
from .runtime import Runtime, calendar_for

ANY = sla.ANY


def active_policies(default: sla.Policy) -> dict[tuple[str, str], sla.Policy]:
    """The active policies keyed by (department code or "*", priority or "*")."""
    rows = db.session.execute(select(SlaPolicy, Department.code).outerjoin(
        Department, Department.id == SlaPolicy.department_id).where(SlaPolicy.active.is_(True))).all()
    return {(code or ANY, p.priority or ANY): _policy(p, default) for p, code in rows}


def _policy(row: SlaPolicy, default: sla.Policy) -> sla.Policy:
    minutes = dt.timedelta(minutes=1)
    return sla.Policy(
        first_response=row.first_response_minutes * minutes,
        at_risk_before=(row.at_risk_minutes * minutes) if row.at_risk_minutes is not None else default.at_risk_before,
        resolution=(row.resolution_minutes * minutes) if row.resolution_minutes is not None else None,
        escalate_managers_after=default.escalate_managers_after)


def policy_for(department: str, priority: str, rt: Runtime) -> sla.Policy:
    """The policy a new ticket of this department and priority gets (the configured default when
    no policy row matches)."""
    policies = active_policies(rt.policy)
    return sla.policy_for(policies, department, priority, policies.get((ANY, ANY), rt.policy))


def set_policy(department: str, priority: str, first_response_minutes: int, at_risk_minutes: int | None,
               resolution_minutes: int | None, *, actor: str, now: dt.datetime, rt: Runtime) -> SlaPolicy:
    """Store a new version of the policy for (department, priority); "*" means any. The previous
    version is kept, inactive. Existing tickets keep their due times. Commits."""
    dept = None
    if department != ANY:
        dept = db.session.scalar(select(Department).where(Department.code == department))
        if dept is None:
            raise InvalidInput(f"Unknown department {department}.", {"department": ["Unknown department."]})
    if priority != ANY and priority not in PRIORITIES:
        raise InvalidInput("Priority is normal, high, urgent or *.", {"priority": ["Unknown priority."]})
    row = SlaPolicy(department_id=dept.id if dept else None, priority=None if priority == ANY else priority,
                    first_response_minutes=first_response_minutes, at_risk_minutes=at_risk_minutes,
                    resolution_minutes=resolution_minutes, created_at=now, created_by=actor, active=True)
    try:
        _policy(row, rt.policy)  # validates: positive target, threshold below the target
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    key = (SlaPolicy.department_id.is_(None) if dept is None else SlaPolicy.department_id == dept.id,
           SlaPolicy.priority.is_(None) if priority == ANY else SlaPolicy.priority == priority)
    previous = db.session.scalar(select(SlaPolicy.version).where(*key).order_by(SlaPolicy.version.desc()).limit(1))
    db.session.execute(update(SlaPolicy).where(*key, SlaPolicy.active.is_(True)).values(active=False))
    row.version = (previous or 0) + 1
    db.session.add(row)
    db.session.commit()
    return row


def reapply(department: str | None, *, actor: str, now: dt.datetime, rt: Runtime) -> int:
    """Recompute due and at-risk times of open tickets still waiting for a first response under
    today's policies, recording each change in the ticket's history. Returns how many changed."""
    policies = active_policies(rt.policy)
    default = policies.get((ANY, ANY), rt.policy)
    query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.first_responded_at.is_(None))
    if department:
        query = query.join(Department, Department.id == Ticket.department_id).where(Department.code == department)
    changed = 0
    for ticket in db.session.scalars(query.execution_options(yield_per=500)):
        policy = sla.policy_for(policies, ticket.department.code, ticket.priority, default)
        calendar = calendar_for(ticket.department.calendar_json)
        due = sla.first_response_due(ticket.created_at, policy, calendar)
        if due == ticket.first_response_due_at:
            continue
        history.record(ticket, "policy_applied", now, actor_label=actor, old_due=ticket.first_response_due_at,
                       new_due=due)
        ticket.first_response_due_at, ticket.at_risk_at = due, sla.at_risk_from(due, policy, calendar)
        if ticket.breached_at and due > now:
            ticket.breached_at = ticket.escalated_at = ticket.manager_escalated_at = None
        if ticket.at_risk_marked_at and ticket.at_risk_at > now:
            ticket.at_risk_marked_at = None
        changed += 1
    db.session.commit()
    return changed
