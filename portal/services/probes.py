"""Whether the database takes a write right now: what /healthz reports."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..models import SchedulerHeartbeat

PROBE_JOB = "healthz-probe"
# SQLSTATE classes of PostgreSQL's refusals, and the words of SQLite's
_STATES = {"55P03": "locked", "57014": "locked", "25006": "read-only", "53100": "disk full", "53": "disk full",
           "08": "unavailable"}
_WORDS = (("locked", "locked"), ("busy", "locked"), ("readonly", "read-only"), ("read-only", "read-only"),
          ("disk is full", "disk full"), ("unable to open", "unavailable"))


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None) or ""
    for prefix, reason in _STATES.items():
        if state.startswith(prefix):
            return reason
    text = str(orig).lower()
    for word, reason in _WORDS:
        if word in text:
            return reason
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "unavailable"
    return f"error: {type(orig).__name__}"


def database_state(now: dt.datetime, wait_seconds: float = 2.0) -> str:
    """"ok" when the database answers and takes a write within `wait_seconds` (a row written and rolled
    back on a connection of its own); otherwise a short reason: "locked" (another process holds the
    write lock, or a lock on the table), "read-only", "disk full", "unavailable" or "error: <kind>"."""
    try:
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            driver = connection.connection.driver_connection  # a setting of this connection, outside any transaction
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
            try:
                with connection.begin() as transaction:
                    if not sqlite:
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_seconds * 1000)}")
                        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(wait_seconds * 2000)}")
                    connection.execute(insert(SchedulerHeartbeat).values(job=PROBE_JOB, last_run_at=now, detail=""))
                    transaction.rollback()
            finally:
                if sqlite:
                    driver.execute(f"PRAGMA busy_timeout = {int(current_app.config['SQLITE_BUSY_TIMEOUT'] * 1000)}")
    except Exception as exc:  # noqa: BLE001 - whatever stops the write is the answer
        return _reason(exc)
    return "ok"
