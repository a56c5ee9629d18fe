"""What GET /metrics reads from the database when Prometheus scrapes (portal/metrics.py): open,
at-risk and breached tickets per department, the backlog of each outbox, and the age of each
scheduler job's heartbeat. A handful of queries, each answered from an index: a scrape reads the
open tickets (see `_TICKET_COUNTS`), never the closed ones that make up most of a large database."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import OPEN_TICKET, Department, SchedulerHeartbeat, Ticket, WebhookDelivery

log = logging.getLogger("portal.metrics")

_tickets = Ticket.__table__
_WAITING = _tickets.c.first_responded_at.is_(None)
_NOW = bindparam("now", type_=Ticket.first_response_due_at.type)
# One grouped query over open tickets only, which are a fraction of a large database: closed ones are
# never read. It finds them through an index that starts with the department: on PostgreSQL
# ix_tickets_queue (department, status, …), in its three open-status ranges; on SQLite the partial
# index of open tickets ix_tickets_open_queue, which the planner takes only for a condition that
# names the statuses literally (OPEN_TICKET), and only in a query of the tickets alone: joined to
# the departments, SQLite builds a temporary index of every ticket instead.
_TICKET_COUNTS = (
    select(_tickets.c.department_id,
           func.count(),
           func.count().filter(and_(_WAITING, _tickets.c.at_risk_at <= _NOW, _tickets.c.first_response_due_at > _NOW)),
           func.count().filter(and_(_WAITING, _tickets.c.first_response_due_at <= _NOW)))
    .where(text(OPEN_TICKET)).group_by(_tickets.c.department_id))


@dataclass(frozen=True)
class TicketCounts:
    open: int
    at_risk: int  # waiting for a first response, past the at-risk time, not yet due
    breached: int  # waiting for a first response past its due time


def ticket_counts(now: dt.datetime) -> dict[str, TicketCounts]:
    """Open, at-risk and breached tickets per department code (every department, zeros included),
    as of `now`, from the tickets' stored due times: the figures hold while the scheduler is stopped."""
    found = {department_id: TicketCounts(*counts)
             for department_id, *counts in db.session.execute(_TICKET_COUNTS, {"now": now})}
    return {code: found.get(department_id, TicketCounts(0, 0, 0))
            for department_id, code in db.session.execute(select(Department.id, Department.code)
                                                          .order_by(Department.code))}


@dataclass(frozen=True)
class Outbox:
    """A table of messages waiting to be sent: a `status` ("pending" until sent or given up) and a
    `next_attempt_at`. Its backlog is one query over its (status, next_attempt_at) index."""

    name: str
    model: type
    failed: tuple[str, ...] = ("failed",)


# the seller notifications' outbox is one more line here
OUTBOXES: tuple[Outbox, ...] = (Outbox("webhooks", WebhookDelivery),)


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    oldest_due_seconds: float  # how long the longest-waiting due message has waited; 0 when none is due


def backlog(outbox: Outbox, now: dt.datetime) -> Backlog:
    """What `outbox` holds as of `now`: pending messages, failed ones (given up), and how far the
    sending is behind (a retry waiting for its backoff is not due yet, so it does not count)."""
    status, due_at = outbox.model.status, outbox.model.next_attempt_at
    pending = status == "pending"
    row = db.session.execute(
        select(func.count().filter(pending), func.count().filter(status.in_(outbox.failed)),
               func.min(due_at).filter(and_(pending, due_at <= now)))
        .where(status.in_(("pending", *outbox.failed)))).one()
    oldest = row[2]
    return Backlog(row[0], row[1], max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)


def heartbeat_ages(now: dt.datetime) -> dict[str, float]:
    """Seconds since each scheduler job last finished, by job name."""
    return {job: (now - last).total_seconds()
            for job, last in db.session.execute(select(SchedulerHeartbeat.job, SchedulerHeartbeat.last_run_at))}


@dataclass(frozen=True)
class Figures:
    tickets: dict[str, TicketCounts]  # by department code
    backlogs: dict[str, Backlog]  # by outbox name, in the order of OUTBOXES
    heartbeat_ages: dict[str, float]  # by scheduler job


def read(now: dt.datetime) -> Figures | None:
    """Every figure as of `now`; None when the database does not answer (its transaction is rolled
    back, so the request's session is left clean)."""
    try:
        return Figures(ticket_counts(now), {outbox.name: backlog(outbox, now) for outbox in OUTBOXES},
                       heartbeat_ages(now))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("metrics: database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        return None
