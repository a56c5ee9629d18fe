"""Template helpers: local times, the SLA promise, error pages."""
from __future__ import annotations

import datetime as dt

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import sla

from .services.runtime import runtime, utcnow

CATEGORY_LABELS = {
    "delivery_delay": "Pickup / delivery delay", "order_return_status": "Order / return status",
    "finance": "Finance", "app_bug": "App bug", "other": "Other",
}
STATUS_LABELS = {"new": "New", "open": "Open", "waiting_on_seller": "Waiting for you", "resolved": "Resolved",
                 "closed": "Closed"}


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(runtime().timezone) if value else None


def localtime(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return local(value).strftime(fmt) if value else ""


def promise(value: dt.datetime | None) -> str:
    """'14:30' today, else 'Tue 24/11 14:30', in the portal's time zone."""
    if value is None:
        return ""
    when, today = local(value), local(utcnow()).date()
    return when.strftime("%H:%M") if when.date() == today else when.strftime("%a %d/%m %H:%M")


def sla_badge(ticket) -> str:
    return sla.sla_state(ticket.first_response_due_at, ticket.first_responded_at, utcnow(), ticket.at_risk_at)


def unread_notifications() -> int:
    from flask_login import current_user

    from .services.notifications import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localtime=localtime, promise=promise, iso=lambda v: v.isoformat() if v else "")
    app.jinja_env.globals.update(CATEGORY_LABELS=CATEGORY_LABELS, STATUS_LABELS=STATUS_LABELS, sla_badge=sla_badge,
                                 format_duration=sla.format_duration, utcnow=utcnow,
                                 unread_notifications=unread_notifications)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _error(400, "This form has expired or was sent from elsewhere. Please reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            limit = app.config["UPLOAD_MAX_MB"]
            return _error(413, f"The upload is too large. Each file may be at most {limit:g} MB.")
        if exc.code == 429:
            return _error(429, "Too many requests. Please wait a minute and try again.")
        if exc.code and exc.code < 400:
            return exc
        return _error(exc.code or 500, exc.description or exc.name)


def _error(status: int, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": {"status": status, "message": message}}, status
    return render_template("error.html", status=status, message=message), status
