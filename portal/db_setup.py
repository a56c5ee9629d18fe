"""Engine tuning: SQLite in WAL mode with a busy timeout, so several workers can write; requests
end their transaction and session cleanly even when the database went away (faults.py answers 503)."""
from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from flask import Flask, Response, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import make_transient_to_detached

from .extensions import db

log = logging.getLogger("portal.db")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # requests that never write
# Whether the work under way only reads: set for each request from its method (init_app), False for
# the command line and the scheduler, whose transactions write.
reads_only: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_reads_only", default=False)
T = TypeVar("T")


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # the timeout first: even switching to WAL may have to wait for another connection
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(conn) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another writer committed in between; taking the write lock up front makes writers
    # queue on the busy timeout instead. Safe methods never write, so they keep cheap reads.
    # Sent through SQLAlchemy (its documented recipe for pysqlite), so that a lock still held by another
    # process when the busy timeout ends is an OperationalError like any other: a 503, not a 500
    conn.exec_driver_sql("BEGIN" if reads_only.get() else "BEGIN IMMEDIATE")


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """A transaction begun inside this block writes, even in a request that otherwise only reads
    (a page that records something small, such as a seen marker): on SQLite it begins with BEGIN
    IMMEDIATE and so waits its turn for the write lock. The caller ends the read transaction first,
    and commits or rolls back before the block ends."""
    token = reads_only.set(False)
    try:
        yield
    finally:
        reads_only.reset(token)


def no_statement_timeout() -> None:
    """Lift PostgreSQL's statement timeout (config.engine_options) for the session's current
    transaction: for the command line's long jobs (bulk generation, index builds), not for requests."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")


def commit_keeping_state() -> None:
    """Commit without expiring the objects the session holds: the caller goes on reading them
    (a new ticket's reference for the redirect, the seller of the link), which would otherwise
    cost a SELECT each, and on SQLite a new transaction."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def as_loaded(model: type[T], values: Mapping[str, Any]) -> T:
    """An object of `model` holding exactly these column values (all of them), in the session as if
    the ORM had loaded it: for a row just read or written with a plain statement on a request's hot
    path, where the ORM's own loading costs more. An object of that identity already in the session
    is returned as it is. (SQLAlchemy's documented make_transient_to_detached: the constructor's
    attribute history is reset as though the object had come from a query.)"""
    session = db.session()
    found = session.identity_map.get(session.identity_key(model, values["id"]))
    if found is not None:
        return found
    loaded = model(**values)
    make_transient_to_detached(loaded)
    session.add(loaded)
    return loaded


def end_reads(response: Response) -> Response:
    """A request that only read ends its transaction with COMMIT instead of the ROLLBACK of closing
    the session. On PostgreSQL psycopg forgets its prepared statements at every ROLLBACK (one more
    round trip to deallocate them), so a connection serving pages prepared each statement anew, and
    the server parsed and planned it again. For a read both end the same: nothing to keep or undo.
    Left to the ROLLBACK: a response still being streamed (it may go on reading), an error response,
    and a session holding unsaved changes."""
    if (request.method in SAFE_METHODS and response.status_code < 400 and not response.is_streamed
            and db.session.registry.has()):
        session = db.session.registry()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            try:
                session.commit()
            except SQLAlchemyError:
                pass  # end_session closes the session, and drops a connection that was lost
    return response


def end_session(_exc: BaseException | None) -> None:
    """Close the request's session before Flask-SQLAlchemy's own teardown does (teardowns run in
    reverse order). When the database went away mid-request, the closing ROLLBACK fails too, and
    from a teardown that error escapes every error handler: gunicorn logs a traceback and answers
    a bare 500 in place of the page already made. Here a failed close only drops the connection."""
    if not db.session.registry.has():
        return
    session = db.session.registry()
    try:
        connection = session.connection() if session.in_transaction() else None  # the one in use: no I/O
    except SQLAlchemyError:  # e.g. a failed flush left the transaction inactive: close() still ends it
        connection = None
    try:
        session.close()
    except (OperationalError, InterfaceError) as exc:
        log.warning("database connection lost while ending a request: %s",
                    str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200])
        if connection is not None:
            connection.invalidate()  # the pool replaces it; nothing more is sent on it
            connection.close()
    finally:
        db.session.registry.clear()


def _read_while_sent(chunks: Iterable[T]) -> Iterator[T]:
    reads_only.set(True)
    try:
        yield from chunks
    finally:
        reads_only.set(False)  # as the request's teardown leaves it


def keep_intent_while_streaming(response: Response) -> Response:
    """A streamed body is sent after Flask has ended the request, and the request's teardown has
    forgotten its intent: a body that queries as it streams (the CSV export, through
    `stream_with_context`) would then begin with BEGIN IMMEDIATE and hold SQLite's write lock,
    keeping every submission waiting, for as long as it is sent. Reads stay reads while they are
    sent. (Files sent as they are, `direct_passthrough`, touch no database and are left alone.)"""
    if response.is_streamed and not response.direct_passthrough and reads_only.get():
        response.response = _read_while_sent(response.response)
    return response


def _declare_intent(_endpoint, _values) -> None:
    # the app's own URL value preprocessor runs first of all the request's hooks, before a blueprint's
    # (the seller link's reads its seller there)
    reads_only.set(request.method in SAFE_METHODS)


def _forget_intent(_exc: BaseException | None) -> None:
    reads_only.set(False)


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_declare_intent)
    app.teardown_request(_forget_intent)
    app.teardown_appcontext(end_session)
    app.after_request(end_reads)
    app.after_request(keep_intent_while_streaming)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT"] * 1000)
            event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms))
            # let SQLAlchemy, not pysqlite, decide when transactions begin
            event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(engine, "begin", _begin)
