"""/admin/notifications: seller notifications that could not be delivered (dead after the last
try, or refused by the outbound guard), each with a "send again"; managers look."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..services import seller_notify, seller_notify_delivery
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .views import DELIVERY_ERRORS, bp

CHANNEL_LABELS = {"gateway": _l("SMS/Zalo gateway"), "webpush": _l("Web Push")}
EVENT_LABELS = {"staff_replied": _l("Staff replied"), "waiting_on_seller": _l("Waiting on the seller"),
                "ticket_resolved": _l("Ticket resolved")}
STATE_LABELS = {"dead": _l("given up"), "refused": _l("refused")}


@bp.get("/notifications")
def notifications_page():
    return render_template(
        "admin/notifications.html", rows=seller_notify.undelivered(), can_change=current_user.role == "admin",
        max_attempts=seller_notify_delivery.MAX_ATTEMPTS, channels=CHANNEL_LABELS, events=EVENT_LABELS,
        states=STATE_LABELS, errors=DELIVERY_ERRORS)


@bp.post("/notifications/<int:notification_id>/send-again")
def send_notification_again(notification_id: int):
    # CSRFProtect has already checked the token of every POST
    try:
        seller_notify.send_again(notification_id, now=utcnow(), actor=current_user._get_current_object())
    except PortalError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.notifications_page"), 303)
    flash(_("Notification %(id)s will be sent again within a minute.", id=notification_id))
    return redirect(url_for("admin.notifications_page"), 303)
