"""SLA enforcement: one idempotent sweep that marks at-risk and breached tickets and escalates.

Every mark is a conditional UPDATE … WHERE <mark> IS NULL … RETURNING in one transaction with
its events and notifications, so two schedulers, a crash mid-sweep or a sweep hours late still
produce each mark, event and escalation exactly once."""
from __future__ import annotations

import datetime as dt
import functools
import json
import time
from dataclasses import dataclass

from sqlalchemy import case, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    SWEEP_AT_RISK,
    SWEEP_BREACH,
    SWEEP_ESCALATE,
    Event,
    Notification,
    SchedulerHeartbeat,
    Ticket,
    User,
    user_departments,
)
from .outbox import Outbox

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
    returns (id, reference, department_id, assignee_id, first_response_due_at) of the rows it changed."""
    # PostgreSQL: the candidates are locked in the subquery, which re-checks its whole condition on a
    # row changed meanwhile (an UPDATE waiting for a row lock would re-check only its own WHERE, and
    # mark a ticket whose staff reply committed while it waited); rows another transaction holds
    # are skipped: a second sweeper takes the next batch instead of queueing behind this one, and a
    # ticket being answered right now is left to the next pass. SQLite has no row locks: it ignores
    # FOR UPDATE, and its writers run one at a time.
    ids = (select(Ticket.id).where(text(condition), due_column <= cutoff).order_by(due_column).limit(BATCH)
           .with_for_update(skip_locked=True))
    stmt = (update(Ticket).where(Ticket.id.in_(ids.scalar_subquery()), column.is_(None))
            .values({column.key: now, **(extra or {})})
            .returning(Ticket.id, Ticket.reference, Ticket.department_id, Ticket.assignee_id,
                       Ticket.first_response_due_at))
    return db.session.execute(stmt, execution_options={"synchronize_session": False}).all()


class _Staff:
    """Active leads per department and active managers, read once per batch inside its transaction:
    a query per ticket would make a batch hold the write lock (SQLite) and its row locks for
    seconds, and starve a second sweeper of the lock."""

    def __init__(self) -> None:
        self._leads: dict[int, list[int]] | None = None
        self._managers: list[int] | None = None

    def leads(self, department_id: int) -> list[int]:
        if self._leads is None:
            self._leads = {}
            for dept_id, user_id in db.session.execute(
                    select(user_departments.c.department_id, User.id)
                    .join(User, User.id == user_departments.c.user_id)
                    .where(User.role == "lead", User.active.is_(True))):
                self._leads.setdefault(dept_id, []).append(user_id)
        return self._leads.get(department_id, [])

    def managers(self) -> list[int]:
        if self._managers is None:
            self._managers = list(db.session.scalars(select(User.id).where(User.role == "manager",
                                                                            User.active.is_(True))))
        return self._managers


def _events(rows, kind: str, now: dt.datetime, recipients, text_for, outbox: Outbox, **data) -> int:
    """Write one event per changed ticket, one notification per recipient and one webhook delivery
    per subscribed endpoint, in bulk."""
    events, notifications = [], []
    for ticket_id, reference, department_id, assignee_id, due in rows:
        users = sorted(set(recipients(department_id, assignee_id)))
        events.append({"ticket_id": ticket_id, "kind": kind, "actor_user_id": None, "actor_label": "sla",
                       "created_at": now,
                       "data_json": json.dumps({"due_at": due.isoformat(), "notified": users, **data})})
        notifications += [{"user_id": u, "ticket_id": ticket_id, "kind": kind, "text": text_for(reference),
                           "created_at": now, "read_at": None} for u in users]
    for table, values in ((Event.__table__, events), (Notification.__table__, notifications)):
        if values:  # with RETURNING, SQLAlchemy sends pages of multi-row VALUES, not a statement per row
            db.session.execute(insert(table).returning(table.c.id), values)
    outbox.add_sla_events(kind, rows, text_for, data)  # webhooks: enqueued in the events' own transaction
    return len(rows)


def _at_risk_batch(now: dt.datetime, _manager_after: dt.timedelta) -> tuple[int, int, int]:
    rows, staff = _mark(SWEEP_AT_RISK, Ticket.at_risk_marked_at, Ticket.at_risk_at, now, now), _Staff()
    marked = _events(rows, "sla_at_risk", now, lambda d, a: [a] if a else staff.leads(d),
                     lambda ref: f"{ref} is at risk of missing its first-response target",
                     outbox=Outbox(now))
    return marked, 0, 0


def _breach_batch(now: dt.datetime, _manager_after: dt.timedelta, bump: bool = False) -> tuple[int, int, int]:
    extra = {"escalated_at": now}
    if bump:  # a late ticket moves up one priority step (normal → high → urgent)
        extra["priority"] = case((Ticket.priority == "normal", "high"), else_="urgent")
    rows, staff = _mark(SWEEP_BREACH, Ticket.breached_at, Ticket.first_response_due_at, now, now, extra), _Staff()
    outbox = Outbox(now)
    marked = _events(rows, "sla_breached", now, lambda d, a: [a] if a else [],
                     lambda ref: f"{ref} missed its first-response target", outbox=outbox,
                     **({"priority_raised": True} if bump else {}))
    escalated = _events(rows, "escalated", now, lambda d, a: staff.leads(d),
                        lambda ref: f"{ref} breached its first-response target: escalated to leads", outbox=outbox,
                        to="leads")
    return 0, marked, escalated


def _managers_batch(now: dt.datetime, manager_after: dt.timedelta) -> tuple[int, int, int]:
    rows, staff = _mark(SWEEP_ESCALATE, Ticket.manager_escalated_at, Ticket.first_response_due_at,
                        now - manager_after, now), _Staff()
    escalated = _events(rows, "escalated", now, lambda d, a: staff.managers(),
                        lambda ref: f"{ref} is still unanswered long after its due time: escalated to managers",
                        outbox=Outbox(now), to="managers")
    return 0, 0, escalated


def sweep(now: dt.datetime, manager_after: dt.timedelta, bump_priority: bool = False) -> SweepResult:
    """One enforcement pass evaluated at `now`; counts what this pass newly marked. With
    `bump_priority`, each newly breached ticket also moves up one priority step.
    Each batch is one short transaction: its marks, events and notifications commit together."""
    totals = [0, 0, 0]
    for batch in (_at_risk_batch, functools.partial(_breach_batch, bump=bump_priority), _managers_batch):
        while True:
            counts = batch(now, manager_after)
            db.session.commit()
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
            if max(counts) < BATCH:  # fewer than a full batch changed: nothing left at `now`
                break
            if db.engine.dialect.name == "sqlite":
                # SQLite's busy handler keeps no queue: pause so waiting writers (web requests,
                # another scheduler) get the lock between batches of a long catch-up sweep
                time.sleep(0.05)
    return SweepResult(*totals)


def beat(job: str, now: dt.datetime, detail: str = "") -> None:
    """Record that a scheduler job finished at `now`. Commits."""
    row = db.session.get(SchedulerHeartbeat, job)
    if row is None:
        db.session.add(SchedulerHeartbeat(job=job, last_run_at=now, detail=detail))
    else:
        row.last_run_at, row.detail = now, detail
    try:
        db.session.commit()
    except IntegrityError:  # a second scheduler recorded its first beat at the same moment
        db.session.rollback()


def scheduler_state(now: dt.datetime, stale_after: dt.timedelta = dt.timedelta(minutes=5)) -> str:
    """"ok" when the sweep ran within `stale_after`, "stale" when longer ago, "never" if it never ran."""
    row = db.session.get(SchedulerHeartbeat, "sla-sweep")
    if row is None:
        return "never"
    return "ok" if row.last_run_at >= now - stale_after else "stale"
