"""The seller's notification settings on their link page: the switch that turns notifications off
and on, and the browser subscriptions for Web Push ("Notify me on this phone"), with the service
worker that shows them. Routes of the seller blueprint (see views.py)."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, jsonify, redirect, request, send_file, url_for
from flask_babel import gettext as _

from forms.seller_notify import NotifySwitchForm

from ..services import seller_notify
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .budget import per_seller
from .views import bp, current_seller

SERVICE_WORKER = Path(__file__).resolve().parent.parent.parent / "static" / "seller-sw.js"


@bp.context_processor
def notify_settings() -> dict:
    """The key browsers subscribe with, for templates/seller/_notify.html; None when Web Push is not set up."""
    key = current_app.config.get("WEBPUSH_VAPID_PUBLIC_KEY") if seller_notify.webpush_configured() else None
    return {"push_public_key": key}


@bp.post("/notifications")
@per_seller
def notify_switch():
    form = NotifySwitchForm()
    if not form.validate():
        abort(400, _("The form expired; please reload the page."))
    seller_notify.set_enabled(current_seller(), form.enabled.data == "1", now=utcnow())
    return redirect(url_for(".home") + "#notify", 303)


def _json() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, _("Send the subscription as JSON."))
    return body


@bp.post("/push/subscribe")
@per_seller
def push_subscribe():
    """Keep the browser's push subscription (JSON as PushSubscription.toJSON() gives it)."""
    if not seller_notify.webpush_configured():
        abort(404)
    body = _json()
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    try:
        seller_notify.subscribe(current_seller(), body.get("endpoint"), keys.get("p256dh"), keys.get("auth"),
                                now=utcnow())
    except PortalError as exc:
        return jsonify(error=exc.message), exc.status_code
    return jsonify(subscribed=True), 201


@bp.post("/push/unsubscribe")
@per_seller
def push_unsubscribe():
    if not seller_notify.unsubscribe(current_seller(), _json().get("endpoint")):
        return jsonify(error=_("This browser is not subscribed.")), 404
    return jsonify(subscribed=False)


@bp.get("/sw.js")
def service_worker():
    """The service worker, under the link so that its scope is the seller's pages: the link page
    itself (/s/<token>, one level above the script, hence Service-Worker-Allowed) and its tickets."""
    response = send_file(SERVICE_WORKER, mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for(".home")
    return response
