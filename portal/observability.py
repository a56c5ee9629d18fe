"""Request ids, one structured log line per request, and security headers on every response."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, abort, g, request

from . import logredact

log = logging.getLogger("portal.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def redact(path: str) -> str:
    """The path with a seller's link token removed: links are secrets and must not reach logs."""
    return logredact.redact(path)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    logredact.install()
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False

    @app.before_request
    def start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()
        # no text anywhere in the portal may hold a NUL character (PostgreSQL refuses it outright):
        # one clear 400 here instead of a database error wherever the value would reach a query
        values = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [*request.form.keys(), *request.form.values()]
        if any("\x00" in v for v in values):
            abort(400, "The request contains a NUL character, which no field accepts.")

    @app.after_request
    def finish(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # seller links carry their secret in the path: never send it on as a Referer
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/s/") or request.path.startswith(("/tickets", "/inbox", "/reports", "/admin")):
            headers.setdefault("Cache-Control", "private, no-store")
        # a request refused before before_request ran (e.g. a bad seller link) still gets an id
        request_id = g.get("request_id") or g.setdefault("request_id", uuid.uuid4().hex)
        headers["X-Request-ID"] = request_id
        if not app.testing and log.isEnabledFor(logging.INFO):
            # the record is made directly: Logger.info would first walk the stack to find its caller,
            # for a line that names no caller, on every request
            record = log.makeRecord(log.name, logging.INFO, __file__, 0, "request", (), None, extra={"fields": {
                "request_id": request_id, "method": request.method, "path": redact(request.path),
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)}})
            log.handle(record)
        return response
