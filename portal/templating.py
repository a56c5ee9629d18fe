"""Template helpers: local times, the SLA promise, error pages."""
from __future__ import annotations

import datetime as dt

from flask import Flask, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import sla

from .services.runtime import runtime, utcnow

CATEGORY_LABELS = {
    "delivery_delay": _l("Pickup / delivery delay"), "order_return_status": _l("Order / return status"),
    "finance": _l("Finance"), "app_bug": _l("App bug"), "other": _l("Other"),
}
STATUS_LABELS = {"new": _l("New"), "open": _l("Open"), "waiting_on_seller": _l("Waiting for you"),
                 "resolved": _l("Resolved"), "closed": _l("Closed")}
# the same statuses as staff say them
STAFF_STATUS_LABELS = {"new": _l("new"), "open": _l("open"), "waiting_on_seller": _l("waiting on seller"),
                       "resolved": _l("resolved"), "closed": _l("closed"), "all": _l("all")}
PRIORITY_LABELS = {"normal": _l("normal"), "high": _l("high"), "urgent": _l("urgent")}
SLA_LABELS = {"on_track": _l("on track"), "at_risk": _l("at risk"), "breached": _l("breached"), "met": _l("met"),
              "missed": _l("missed")}


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(runtime().timezone) if value else None


def localtime(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return local(value).strftime(fmt) if value else ""


def promise(value: dt.datetime | None) -> str:
    """'14:30' today, else 'Tue 24/11 14:30', in the portal's time zone."""
    if value is None:
        return ""
    when, today = local(value), local(utcnow()).date()
    if when.date() == today:
        return when.strftime("%H:%M")
    return format_datetime(when, "EEE dd/MM HH:mm", rebase=False)  # weekday in the page's language


def sla_badge(ticket) -> str:
    return sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, utcnow(), ticket.at_risk_at)


def unread_notifications() -> int:
    from flask_login import current_user

    from .services.notifications import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, promise=promise, iso=lambda v: v.isoformat() if v else "")
    app.jinja_env.globals.update(CATEGORY_LABELS=CATEGORY_LABELS, STATUS_LABELS=STATUS_LABELS, sla_badge=sla_badge,
                                 STAFF_STATUS_LABELS=STAFF_STATUS_LABELS, PRIORITY_LABELS=PRIORITY_LABELS,
                                 SLA_LABELS=SLA_LABELS,
                                 format_duration=sla.format_duration, utcnow=utcnow,
                                 unread_notifications=unread_notifications)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _error(400, _("This form has expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            limit = app.config["UPLOAD_MAX_MB"]
            return _error(413, _("The upload is too large. Each file may be at most %(limit)s MB.", limit=f"{limit:g}"))
        if exc.code == 429:
            return _error(429, _("Too many requests. Please wait a minute and try again."))
        if exc.code and exc.code < 400:
            return exc
        return _error(exc.code or 500, exc.description or exc.name)


def _error(status: int, message: str):
    message = str(message)
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": {"status": status, "message": message}}, status
    return render_template("error.html", status=status, message=message), status
