"""Liveness and readiness: GET /healthz."""
from __future__ import annotations

from flask import Blueprint

from .services import probes, sla_jobs
from .services.runtime import utcnow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the database takes a write; 503 when it does not answer or cannot be written to
    (an SQLite lock held by another process, a read-only or full PostgreSQL): a load balancer then
    sends the traffic elsewhere instead of to requests that would fail."""
    database = probes.database_state(utcnow())
    # the web keeps serving while the scheduler is down: reported, not a failure of this process
    scheduler = sla_jobs.scheduler_state(utcnow()) if database == "ok" else "unknown"
    ok = database == "ok"
    return {"status": "ok" if ok else "error", "database": database, "scheduler": scheduler}, 200 if ok else 503
