"""Liveness and readiness: GET /healthz."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        database = f"error: {type(exc).__name__}"
    ok = database == "ok"
    return {"status": "ok" if ok else "error", "database": database}, 200 if ok else 503
