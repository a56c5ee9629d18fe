"""SLA policies per department and priority, versioned; re-applied to open tickets only on request."""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

import sla
from vocabulary import OPEN_STATUSES, PRIORITIES

from ..extensions import db
from ..models import Department, SlaPolicy, Ticket, User
from . import audit, history
from .actor import Actor, actor_fields
from .errors import InvalidInput
from .runtime import Runtime, calendar_for

ANY = sla.ANY
# how long another process may go on using policies it read before a change (this process forgets
# them at once when it makes the change)
CACHE_SECONDS = 5.0
MAX_MINUTES = {"first_response_minutes": 60 * 24 * 30, "at_risk_minutes": 60 * 24 * 30,
               "resolution_minutes": 60 * 24 * 365}


class _PolicyCache:
    """The active policies of one Runtime, read at most once per CACHE_SECONDS. A generation number
    bumped by `clear` keeps a read that raced with a change from being stored."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._generation = 0
        self._entry: tuple[Runtime, int, float, dict] | None = None

    def get(self, rt: Runtime, load: Callable[[], dict]) -> dict:
        with self._lock:
            entry, generation = self._entry, self._generation
        if entry and entry[0] is rt and entry[1] == generation and self.clock() - entry[2] < CACHE_SECONDS:
            return entry[3]
        loaded_at = self.clock()
        policies = load()
        with self._lock:
            if self._generation == generation:
                self._entry = (rt, generation, loaded_at, policies)
        return policies

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entry = None


_cache = _PolicyCache()


def forget_cached() -> None:
    """Make the next policy_for read the table again (done by every change in this process)."""
    _cache.clear()


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
    no policy row matches). Read from an in-process cache: a change made in this process is seen at
    once, one made by another process within CACHE_SECONDS."""
    policies = _cache.get(rt, lambda: active_policies(rt.policy))
    return sla.policy_for(policies, department, priority, policies.get((ANY, ANY), rt.policy))


def _label(department: str, priority: str) -> str:
    return f"{department}/{priority}"


def snapshot(row: SlaPolicy | None) -> dict | None:
    """What the audit keeps of a policy version."""
    if row is None:
        return None
    return {"version": row.version, "first_response_minutes": row.first_response_minutes,
            "at_risk_minutes": row.at_risk_minutes, "resolution_minutes": row.resolution_minutes}


def _check_minutes(values: dict[str, int | None], default: sla.Policy) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None and name != "first_response_minutes":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES[name]:
            errors[name] = [_l("Enter whole minutes from 1 to %(max)s.", max=MAX_MINUTES[name])]
    if not errors:
        first = values["first_response_minutes"]
        at_risk = values["at_risk_minutes"]
        at_risk = at_risk if at_risk is not None else default.at_risk_before // dt.timedelta(minutes=1)
        if at_risk >= first:
            if values["at_risk_minutes"] is not None:
                message = _l("The at-risk threshold, %(at_risk)s min, must be shorter than the first-response "
                             "target of %(first)s min.", at_risk=at_risk, first=first)
            else:
                message = _l("The at-risk threshold (the default, as none is given), %(at_risk)s min, must be "
                             "shorter than the first-response target of %(first)s min.", at_risk=at_risk, first=first)
            errors["at_risk_minutes"] = [message]
    if errors:
        raise InvalidInput("; ".join(str(v[0]) for v in errors.values()), errors)


def _key(department_id: int | None, priority: str | None) -> tuple:
    return (SlaPolicy.department_id.is_(None) if department_id is None else SlaPolicy.department_id == department_id,
            SlaPolicy.priority.is_(None) if priority is None else SlaPolicy.priority == priority)


def set_policy(department: str, priority: str, first_response_minutes: int, at_risk_minutes: int | None,
               resolution_minutes: int | None, *, actor: Actor, now: dt.datetime, rt: Runtime) -> SlaPolicy:
    """Store a new version of the policy for (department, priority); "*" means any. The previous
    version is kept, inactive. Existing tickets keep their due times. Audited as policy.set (the
    actor is the signed-in user or a label such as "cli"). Commits."""
    dept = None
    if department != ANY:
        dept = db.session.scalar(select(Department).where(Department.code == department))
        if dept is None:
            raise InvalidInput(_l("Unknown department %(code)s.", code=department),
                               {"department": [_l("Unknown department.")]})
    if priority != ANY and priority not in PRIORITIES:
        raise InvalidInput(_l("Priority is normal, high, urgent or *."), {"priority": [_l("Unknown priority.")]})
    _check_minutes({"first_response_minutes": first_response_minutes, "at_risk_minutes": at_risk_minutes,
                    "resolution_minutes": resolution_minutes}, rt.policy)
    row = SlaPolicy(department_id=dept.id if dept else None, priority=None if priority == ANY else priority,
                    first_response_minutes=first_response_minutes, at_risk_minutes=at_risk_minutes,
                    resolution_minutes=resolution_minutes, created_at=now,
                    created_by=actor.email if isinstance(actor, User) else actor, active=True)
    try:
        _policy(row, rt.policy)  # validates: positive target, threshold below the target
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    key = _key(row.department_id, row.priority)
    current = db.session.scalar(select(SlaPolicy).where(*key, SlaPolicy.active.is_(True))
                                .order_by(SlaPolicy.version.desc()).limit(1))
    previous = db.session.scalar(select(SlaPolicy.version).where(*key).order_by(SlaPolicy.version.desc()).limit(1))
    db.session.execute(update(SlaPolicy).where(*key, SlaPolicy.active.is_(True)).values(active=False))
    row.version = (previous or 0) + 1
    db.session.add(row)
    audit.record("policy.set", "policy", _label(department, priority), before=snapshot(current),
                 after=snapshot(row), now=now, **actor_fields(actor))
    db.session.commit()
    forget_cached()
    return row


@dataclass(frozen=True)
class PolicyRow:
    department: str  # code or "*"
    priority: str  # or "*"
    row: SlaPolicy


def _rows(query) -> list[PolicyRow]:
    rows = db.session.execute(query.add_columns(Department.code).outerjoin(
        Department, Department.id == SlaPolicy.department_id)).all()
    return [PolicyRow(code or ANY, p.priority or ANY, p) for p, code in rows]


def active_rows() -> list[PolicyRow]:
    """The active policy versions, any-department ones first, then by department and priority."""
    rows = _rows(select(SlaPolicy).where(SlaPolicy.active.is_(True)))
    order = {p: i for i, p in enumerate((ANY, *PRIORITIES))}
    return sorted(rows, key=lambda r: (r.department != ANY, r.department, order.get(r.priority, 9)))


def versions(limit: int = 200) -> list[PolicyRow]:
    """Every stored version, newest first: what changed, who changed it and when."""
    return _rows(select(SlaPolicy).order_by(SlaPolicy.created_at.desc(), SlaPolicy.id.desc()).limit(limit))


def _recomputed(department: str | None, rt: Runtime) -> Iterator[tuple[Ticket, sla.Policy, sla.Calendar, dt.datetime]]:
    """Open tickets still waiting for a first response whose due time today's policies would move."""
    if department and department != ANY:
        by_department = db.session.scalar(select(Department.id).where(Department.code == department))
        if by_department is None:
            raise InvalidInput(_l("Unknown department %(code)s.", code=department),
                               {"department": [_l("Unknown department.")]})
    policies = active_policies(rt.policy)
    default = policies.get((ANY, ANY), rt.policy)
    query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.first_responded_at.is_(None))
    if department and department != ANY:
        query = query.join(Department, Department.id == Ticket.department_id).where(Department.code == department)
    for ticket in db.session.scalars(query.order_by(Ticket.id).execution_options(yield_per=500)):
        policy = sla.policy_for(policies, ticket.department.code, ticket.priority, default)
        calendar = calendar_for(ticket.department.calendar_json)
        due = sla.first_response_due(ticket.created_at, policy, calendar)
        if due != ticket.first_response_due_at:
            yield ticket, policy, calendar, due


class ReapplyPreview(NamedTuple):
    """What `reapply` would change: how many tickets, the first of them with their new due time,
    and how many sellers' promises move (sellers with at least one of those tickets)."""

    count: int
    sample: list[tuple[Ticket, dt.datetime]]
    sellers: int


def preview_reapply(department: str | None, rt: Runtime, sample: int = 20) -> ReapplyPreview:
    """How many open tickets `reapply` would change, the first `sample` of them with their new due
    time, and how many distinct sellers they belong to. Changes nothing."""
    count, shown, sellers = 0, [], set()
    for ticket, _policy, _calendar, due in _recomputed(department, rt):
        count += 1
        sellers.add(ticket.seller_id)
        if len(shown) < sample:
            shown.append((ticket, due))
    return ReapplyPreview(count, shown, len(sellers))


AUDIT_LISTED = 50


def reapply(department: str | None, *, actor: Actor, now: dt.datetime, rt: Runtime) -> int:
    """Recompute due and at-risk times of open tickets still waiting for a first response under
    today's policies, recording each change in the ticket's history, the moment on the ticket
    (promise_updated_at: the seller's page marks the promised time as updated) and the whole
    re-application in the audit (policy.reapplied, with the first AUDIT_LISTED due times before and
    after). Returns how many changed. Commits."""
    changed = 0
    old_due, new_due = {}, {}
    for ticket, policy, calendar, due in list(_recomputed(department, rt)):
        history.record(ticket, "policy_applied", now, old_due=ticket.first_response_due_at, new_due=due,
                       **actor_fields(actor))
        if changed < AUDIT_LISTED:
            old_due[ticket.reference], new_due[ticket.reference] = ticket.first_response_due_at, due
        ticket.first_response_due_at, ticket.at_risk_at = due, sla.at_risk_from(due, policy, calendar)
        ticket.promise_updated_at = now
        if ticket.breached_at and due > now:
            ticket.breached_at = ticket.escalated_at = ticket.manager_escalated_at = None
        if ticket.at_risk_marked_at and ticket.at_risk_at > now:
            ticket.at_risk_marked_at = None
        changed += 1
    scope = department or ANY
    audit.record("policy.reapplied", "policy", f"{scope}/open tickets",
                 before={"department": scope, "first_response_due_at": old_due},
                 after={"department": scope, "first_response_due_at": new_due, "tickets_changed": changed},
                 now=now, **actor_fields(actor))
    db.session.commit()
    return changed
