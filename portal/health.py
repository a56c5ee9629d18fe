"""Liveness and readiness: GET /healthz."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from .extensions import db
from .services import sla_jobs
from .services.runtime import utcnow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    scheduler = "unknown"
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
        # the web keeps serving while the scheduler is down: reported, not a failure of this process
        scheduler = sla_jobs.scheduler_state(utcnow())
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        database = f"error: {type(exc).__name__}"
    ok = database == "ok"
    return {"status": "ok" if ok else "error", "database": database, "scheduler": scheduler}, 200 if ok else 503
