"""Engine tuning: SQLite in WAL mode with a busy timeout, so several workers can write."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # the timeout first: even switching to WAL may have to wait for another connection
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(conn) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer committed in between; taking the write lock up front makes writers
    # queue on the busy timeout instead. Safe methods never write, so they keep cheap reads.
    read_only = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            # let SQLAlchemy, not pysqlite, decide when transactions begin
            event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(engine, "begin", _begin)
