"""Faults of what the portal stands on answer 503 with Retry-After, never a bare 500: a database that
is down, restarting or unreachable, an SQLite write lock that outlived the busy timeout, a PostgreSQL
statement or lock timeout, a disk that cannot take an upload. Each is logged as one line without SQL,
values or the seller's link token."""
from __future__ import annotations

import errno
import logging
import sys

from flask import Flask, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError

from .observability import redact
from .services.errors import StorageUnavailable
from .templating import error_response

log = logging.getLogger("portal.faults")
RETRY_AFTER_SECONDS = 10
# what a full, over-quota, read-only or failing disk answers a write (also werkzeug's spooling of a
# large upload while the request is read)
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


def _unavailable(message: str):
    response, status = error_response(503, message)
    return response, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def database_unavailable(exc: OperationalError | InterfaceError):
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    log.warning("database unavailable: %s %s: %s: %s", request.method, redact(request.path),
                type(getattr(exc, "orig", None) or exc).__name__, reason)
    return _unavailable(_("The service is briefly unavailable. Please try again in a minute."))


def storage_unavailable(exc: StorageUnavailable):
    log.error("files could not be stored: %s %s: %s", request.method, redact(request.path), exc)
    return _unavailable(_("Your files could not be stored just now, so nothing was sent. "
                          "Please try again in a few minutes."))


def os_error(exc: OSError):
    if exc.errno in STORAGE_ERRNOS:
        return storage_unavailable(StorageUnavailable(f"{type(exc).__name__}: {exc.strerror or exc}"))
    current_app.log_exception(sys.exc_info())  # any other is a fault of ours: logged, and the plain 500 page
    return error_response(500, _("Something went wrong on our side. Please try again later."))


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
    app.register_error_handler(StorageUnavailable, storage_unavailable)
    app.register_error_handler(OSError, os_error)
