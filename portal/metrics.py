"""GET /metrics: what operators watch, in the Prometheus text format (prometheus_client).

Two kinds of figures:

* per request, counted by the process that served it: a latency histogram per Flask endpoint and
  method, and responses per status class. Labels come from the URL rule's endpoint name, never from
  the path, which carries seller link tokens; methods outside the standard few count as "other".
  Under gunicorn each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR and a scrape
  adds them up (prometheus_client's multiprocess mode; gunicorn.conf.py sets the folder up).
* read from the database when scraped (a custom collector): open, at-risk and breached tickets per
  department, the backlog of each outbox (webhook deliveries; seller notifications slot in as one
  more `Outbox`), and the age of each scheduler job's heartbeat. A handful of queries, each
  answered from an index: a scrape reads the open tickets (see `_TICKET_COUNTS`), never the
  closed ones that make up most of a large database.

The page answers only `Authorization: Bearer $METRICS_TOKEN`, from any address; without a
METRICS_TOKEN it does not exist (404). It reads no session and sets no cookie."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import OPEN_TICKET, Department, SchedulerHeartbeat, Ticket, WebhookDelivery
from .services.runtime import utcnow

log = logging.getLogger("portal.metrics")
bp = Blueprint("metrics", __name__)

# seconds; a sync worker may spend up to WEB_TIMEOUT (60 s) on one export
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the endpoint label of a request no URL rule matched (404, 405)
_STARTED = "portal.metrics.started"
_EXTENSION = "metrics"  # not "portal.…": the test fixtures drop those between tests as data caches


class RequestMetrics:
    """The per-request instruments of one app. Label children are kept once made: `labels()` checks
    and locks on every call, a dictionary lookup does not."""

    def __init__(self) -> None:
        # registry=None: in multiprocess mode the scrape reads the workers' files instead of these
        self.latency = Histogram("portal_http_request_duration_seconds",
                                 "Time from a request's arrival to its response, per Flask endpoint and method",
                                 ("endpoint", "method"), buckets=LATENCY_BUCKETS, registry=None)
        self.responses = Counter("portal_http_responses", "Responses by status class (2xx, 3xx, 4xx, 5xx)",
                                 ("status_class",), registry=None)
        # made on first use, not here: in multiprocess mode a child is a file, and CLI processes
        # (which never answer a request) should leave none behind
        self._latency: dict[tuple[str, str], object] = {}
        self._responses: dict[int, object] = {}

    def observe(self, endpoint: str, method: str, seconds: float, status: int) -> None:
        key = (endpoint, method)
        child = self._latency.get(key)
        if child is None:
            child = self._latency[key] = self.latency.labels(endpoint, method)
        child.observe(seconds)
        status_class = status // 100
        counter = self._responses.get(status_class)
        if counter is None:
            counter = self._responses[status_class] = self.responses.labels(f"{status_class}xx")
        counter.inc()


class _StartClock:
    """WSGI middleware noting when a request arrived, before any of Flask's own work: a request
    refused by a before_request hook is timed as well as one that reached its view."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ[_STARTED] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


# --- read from the database at scrape time --------------------------------------------------------

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


class DatabaseCollector:
    """The figures read from the database, collected when Prometheus scrapes (a custom collector,
    prometheus_client's documented extension point). A database that does not answer is reported
    as portal_database_up 0, and the request figures are still served."""

    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now, started = self.clock(), time.perf_counter()
        try:
            families = list(self._families(now))
            up = 1
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("metrics: database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
            families, up = [], 0
        yield from families
        yield GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape's queries", up)
        yield GaugeMetricFamily("portal_metrics_database_seconds", "Time this scrape spent reading the database",
                                time.perf_counter() - started)

    def _families(self, now: dt.datetime) -> Iterator[Metric]:
        tickets = GaugeMetricFamily("portal_tickets", "Tickets by department and state: open (new, open, waiting on "
                                    "seller); at_risk and breached are open tickets still waiting for a first "
                                    "response, past their at-risk time or past their due time",
                                    labels=("department", "state"))
        for code, counts in ticket_counts(now).items():
            for state in ("open", "at_risk", "breached"):
                tickets.add_metric((code, state), getattr(counts, state))
        yield tickets
        pending = GaugeMetricFamily("portal_outbox_pending", "Messages waiting to be sent", labels=("outbox",))
        failed = GaugeMetricFamily("portal_outbox_failed", "Messages given up after their last attempt",
                                   labels=("outbox",))
        oldest = GaugeMetricFamily("portal_outbox_oldest_due_seconds",
                                   "How long the longest-waiting due message has been due", labels=("outbox",))
        for outbox in OUTBOXES:
            found = backlog(outbox, now)
            pending.add_metric((outbox.name,), found.pending)
            failed.add_metric((outbox.name,), found.failed)
            oldest.add_metric((outbox.name,), found.oldest_due_seconds)
        yield from (pending, failed, oldest)
        # not "job": Prometheus gives every scraped series a job label of its own (the scrape job's name)
        ages = GaugeMetricFamily("portal_scheduler_heartbeat_age_seconds",
                                 "Seconds since each scheduler job last finished", labels=("scheduler_job",))
        for job, age in sorted(heartbeat_ages(now).items()):
            ages.add_metric((job,), age)
        yield ages


# --- the page and its hook-up ---------------------------------------------------------------------

def _multiprocess_dir() -> str | None:
    # prometheus_client's own variable, read by the library when it is first imported: the one
    # place that decides whether counts live in this process or in the shared files
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _registry(instruments: RequestMetrics) -> CollectorRegistry:
    registry = CollectorRegistry()
    folder = _multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(instruments.latency)
        registry.register(instruments.responses)
    registry.register(DatabaseCollector())
    return registry


def _authorised() -> bool:
    expected = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # digests of equal length, compared in constant time: neither the token nor its length leaks
    return scheme.lower() == "bearer" and hmac.compare_digest(
        hashlib.sha256(given.strip().encode("utf-8")).digest(), hashlib.sha256(expected.encode("utf-8")).digest())


@bp.get("/metrics")
def metrics():
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not _authorised():
        # the challenge says which scheme to use (RFC 6750); with a token given, that it was wrong
        challenge = 'Bearer realm="metrics"'
        if request.headers.get("Authorization"):
            challenge += ', error="invalid_token"'
        return Response("A valid metrics token is required.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"})
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    body = encoder(current_app.extensions[_EXTENSION][1])
    return Response(body, 200, content_type=content_type, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """Count every request of `app` and serve GET /metrics."""
    instruments = RequestMetrics()
    app.extensions[_EXTENSION] = (instruments, _registry(instruments))
    app.wsgi_app = _StartClock(app.wsgi_app)

    @app.after_request
    def count(response: Response) -> Response:
        # the request itself, once: each attribute read through the `request` proxy costs about as
        # much as the counting (werkzeug documents _get_current_object as the way to unwrap it)
        current = request._get_current_object()
        started = current.environ.get(_STARTED)
        if started is not None:
            rule, method = current.url_rule, current.method
            instruments.observe(rule.endpoint if rule is not None else UNMATCHED,
                                method if method in METHODS else "other", time.perf_counter() - started,
                                response.status_code)
        return response

    app.register_blueprint(bp)
