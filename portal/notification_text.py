"""Staff notifications in the page's language. A notification row keeps its kind and the English
text the SLA sweep wrote (the same text the webhook payload carries, a contract for integrations);
the page tells it again from the kind and the ticket's reference, so a Vietnamese page reads
"T-2612-0001 đã trễ hạn phản hồi đầu tiên", never the stored English."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from vocabulary import N_

from .models import Notification

TEXTS = {
    "sla_at_risk": N_("%(reference)s is at risk of missing its first-response target"),
    "sla_breached": N_("%(reference)s missed its first-response target"),
    "escalated": N_("%(reference)s breached its first-response target: escalated to leads"),
    "escalated managers": N_("%(reference)s is still unanswered long after its due time: escalated to managers"),
}


def _key(notification: Notification) -> str:
    """The kind, with escalations to managers told apart from those to leads by their stored text."""
    if notification.kind == "escalated" and "managers" in (notification.text or ""):
        return "escalated managers"
    return notification.kind


def text(notification: Notification, reference: str | None) -> str:
    """The notification in the page's language. A kind added later without its own sentence shows the
    stored text on an English page, and a general sentence in other languages."""
    reference = reference or (notification.text or "").split(" ", 1)[0]
    template = TEXTS.get(_key(notification))
    if template is not None:
        return _(template, reference=reference)
    if str(get_locale() or "en").startswith("en"):
        return notification.text
    return _("Something new about %(reference)s", reference=reference) if reference else _("Something new")
