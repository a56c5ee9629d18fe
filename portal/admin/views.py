"""Webhook endpoints and their delivery log: thin views over services.webhooks."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.admin import WebhookEndpointForm

from .. import outbound
from ..audit_values import WEBHOOK_EVENT_LABELS
from ..services import webhook_delivery, webhooks
from ..services.errors import InvalidInput, PortalError
from ..services.runtime import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

# the sections of /admin: (endpoint, title, what it is for); the index lists those that exist
SECTIONS = (
    ("admin.sellers_page", _l("Sellers"),
     _l("Find, add and edit sellers; issue, rotate and revoke links (with QR); import.")),
    ("admin.staff_page", _l("Staff"),
     _l("Add staff, set roles and departments, deactivate, reset passwords, who is on duty.")),
    ("admin.departments_page", _l("Departments"), _l("Names, leads, business calendars and holidays.")),
    ("admin.policies_page", _l("SLA policies"),
     _l("Response targets and at-risk thresholds per department and priority.")),
    ("admin.routing_page", _l("Routing rules"),
     _l("Edit the rules, see their back-test over recent tickets, versions.")),
    ("admin.canned_page", _l("Canned replies"), _l("Replies staff pick on a ticket, per department.")),
    ("admin.reasons_page", _l("Resolution reasons"),
     _l("The reasons staff choose when resolving a ticket, in both languages; reports count by them.")),
    ("admin.api_tokens_page", _l("API tokens"), _l("Personal API tokens for staff integrations: issue and revoke.")),
    ("admin.integration_tokens_page", _l("Integration tokens"),
     _l("Tokens the carrier's system posts parcel events with: make, see their last use, revoke.")),
    ("admin.webhooks_page", _l("Webhooks"), _l("Endpoints, secrets, events and the delivery log.")),
    ("admin.notifications_page", _l("Seller notifications"),
     _l("Notifications to sellers that were given up or refused: send them again.")),
    ("admin.audit_page", _l("Audit log"), _l("Every administrative change with who, when, before and after.")),
)

# the labels of the event kinds (the kinds themselves, posted in X-Portal-Event, stay as they are)
EVENT_LABELS = {
    "sla_at_risk": _l("At risk — the first response is due soon"),
    "sla_breached": _l("Breached — the first response is late"),
    "escalated": _l("Escalated — to the department's leads, later to managers"),
    "ticket_created": _l("Ticket created — a seller opened a ticket"),
    "ticket_replied": _l("Ticket replied — a public reply by the seller or by staff (not internal notes)"),
    "ticket_resolved": _l("Ticket resolved — its status became resolved"),
    "lead_requested": _l("Lead requested — a seller asked the department's team lead to look"),
}

# the short reasons the delivery log stores (outbound.py), in the reader's language
DELIVERY_ERRORS = {
    outbound.ADDRESS_NOT_ALLOWED: _l("address not allowed"),
    outbound.CREDENTIALS_IN_URL: _l("credentials in the URL"),
    outbound.SCHEME_NOT_ALLOWED: _l("scheme not allowed"),
    outbound.IP_SPELLING: _l("IP address spelling not allowed"),
    outbound.INVALID_URL: _l("invalid URL"),
    outbound.HOST_NOT_FOUND: _l("host not found"),
    outbound.COULD_NOT_CONNECT: _l("could not connect"),
    outbound.CONNECTION_LOST: _l("connection lost"),
    outbound.TIMED_OUT: _l("timed out"),
    outbound.TLS_ERROR: _l("TLS error"),
    outbound.REDIRECT_NOT_FOLLOWED: _l("redirect not followed"),
    "endpoint deactivated": _l("endpoint deactivated"),
    "delivery error": _l("delivery error"),
}


@bp.before_request
@login_required
def admins_change_managers_look():
    if current_user.role not in ("manager", "admin"):
        abort(403, _("Administration is for administrators and managers."))
    if request.method not in ("GET", "HEAD") and current_user.role != "admin":
        abort(403, _("Only administrators can change this; managers can look."))


@bp.get("/")
def index():
    sections = [s for s in SECTIONS if s[0] in current_app.view_functions]
    return render_template("admin/index.html", sections=sections)


def _endpoint_form() -> WebhookEndpointForm:
    form = WebhookEndpointForm()
    form.events.choices = [SelectChoice(kind, EVENT_LABELS.get(kind, kind)) for kind in webhooks.EVENT_KINDS]
    return form


def _page(form: WebhookEndpointForm | None = None, status: int = 200):
    return render_template("admin/webhooks.html", form=form or _endpoint_form(), endpoints=webhooks.endpoints(),
                           deliveries=webhooks.recent_deliveries(100), can_change=current_user.role == "admin",
                           max_attempts=webhook_delivery.MAX_ATTEMPTS, retryable=webhooks.RETRYABLE,
                           delivery_errors=DELIVERY_ERRORS, event_labels=WEBHOOK_EVENT_LABELS), status


@bp.get("/webhooks")
def webhooks_page():
    return _page()


@bp.post("/webhooks")
def add_webhook():
    form = _endpoint_form()
    if not form.validate():
        return _page(form, 422)
    try:
        endpoint = webhooks.add_endpoint(form.url.data, form.events.data, form.secret.data, now=utcnow(),
                                         actor=current_user._get_current_object())
    except InvalidInput as exc:
        for name, messages in exc.fields.items():
            getattr(form, name).errors = list(messages)
        return _page(form, exc.status_code)
    flash(_("Endpoint %(id)s added: it receives %(events)s.", id=endpoint.id,
            events=endpoint.events.replace(",", ", ")))
    return redirect(url_for("admin.webhooks_page"), 303)


def _act(action, done: str):
    try:
        action()
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status_code)
    flash(done)
    return redirect(url_for("admin.webhooks_page"), 303)


@bp.post("/webhooks/<int:endpoint_id>/deactivate")
def deactivate_webhook(endpoint_id: int):
    # CSRFProtect has already checked the token of every POST
    actor = current_user._get_current_object()
    return _act(lambda: webhooks.deactivate_endpoint(endpoint_id, now=utcnow(), actor=actor),
                _("Endpoint %(id)s deactivated; its pending deliveries will not be sent.", id=endpoint_id))


@bp.post("/webhooks/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    return _act(lambda: webhooks.retry_delivery(delivery_id, now=utcnow(), actor=current_user._get_current_object()),
                _("Delivery %(id)s will be sent again within a minute.", id=delivery_id))
