"""GET /metrics: what operators watch, in the Prometheus text format (prometheus_client).

Two kinds of figures:

* per request, counted by the process that served it: a latency histogram per Flask endpoint and
  method, and responses per status class. Labels come from the URL rule's endpoint name, never from
  the path, which carries seller link tokens; methods outside the standard few count as "other".
  Under gunicorn each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR and a scrape
  adds them up (prometheus_client's multiprocess mode; gunicorn.conf.py sets the folder up).
* read from the database when scraped (a custom collector): open, at-risk and breached tickets per
  department, the backlog of each outbox (webhook deliveries; seller notifications slot in as one
  more `Outbox`), and the age of each scheduler job's heartbeat: services.monitoring reads them,
  a handful of queries each answered from an index.

The page answers only `Authorization: Bearer $METRICS_TOKEN`, from any address; without a
METRICS_TOKEN it does not exist (404). It reads no session and sets no cookie."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import time
from collections.abc import Callable, Iterator

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from .services import monitoring
from .services.runtime import utcnow

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


class DatabaseCollector:
    """The figures read from the database, collected when Prometheus scrapes (a custom collector,
    prometheus_client's documented extension point). A database that does not answer is reported
    as portal_database_up 0, and the request figures are still served."""

    def __init__(self, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now, started = self.clock(), time.perf_counter()
        figures = monitoring.read(now)
        if figures is not None:
            yield from self._families(figures)
        yield GaugeMetricFamily("portal_database_up", "1 when the database answered this scrape's queries",
                                0 if figures is None else 1)
        yield GaugeMetricFamily("portal_metrics_database_seconds", "Time this scrape spent reading the database",
                                time.perf_counter() - started)

    @staticmethod
    def _families(figures: monitoring.Figures) -> Iterator[Metric]:
        tickets = GaugeMetricFamily("portal_tickets", "Tickets by department and state: open (new, open, waiting on "
                                    "seller); at_risk and breached are open tickets still waiting for a first "
                                    "response, past their at-risk time or past their due time",
                                    labels=("department", "state"))
        for code, counts in figures.tickets.items():
            for state in ("open", "at_risk", "breached"):
                tickets.add_metric((code, state), getattr(counts, state))
        yield tickets
        pending = GaugeMetricFamily("portal_outbox_pending", "Messages waiting to be sent", labels=("outbox",))
        failed = GaugeMetricFamily("portal_outbox_failed", "Messages given up after their last attempt",
                                   labels=("outbox",))
        oldest = GaugeMetricFamily("portal_outbox_oldest_due_seconds",
                                   "How long the longest-waiting due message has been due", labels=("outbox",))
        for name, found in figures.backlogs.items():
            pending.add_metric((name,), found.pending)
            failed.add_metric((name,), found.failed)
            oldest.add_metric((name,), found.oldest_due_seconds)
        yield from (pending, failed, oldest)
        # not "job": Prometheus gives every scraped series a job label of its own (the scrape job's name)
        ages = GaugeMetricFamily("portal_scheduler_heartbeat_age_seconds",
                                 "Seconds since each scheduler job last finished", labels=("scheduler_job",))
        for job, age in sorted(figures.heartbeat_ages.items()):
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
