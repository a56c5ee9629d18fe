"""The seller's troubleshooting form as a fresh visit gets it, rendered once per language and kept.

Every visit to a seller's link shows the same empty form: only the link it posts to, the CSRF
token, the submission key and the seller's phone differ. Building the WTForms form and rendering
its markup (labels, choices and hints translated one by one) was the largest part of serving the
page. Here the form is rendered once per language and upload limit with a marker in each of those
four places, and a visit fills the markers with its values, escaped as the template would escape
them. A refused submission still renders its form in full, with the seller's values and errors."""
from __future__ import annotations

import re
import threading

from flask import current_app, get_template_attribute
from flask_babel import get_locale
from markupsafe import Markup, escape

from forms.seller import TicketForm

SLOTS = ("action", "csrf_token", "submission_key", "contact_phone")
# private-use characters: text no translation or template produces, and escaping leaves alone
_MARK = "\ue000{}\ue001"
_MARKS = re.compile("\ue000(" + "|".join(SLOTS) + ")\ue001")

_kept: dict[tuple[str, int], tuple[str, ...]] = {}
_lock = threading.Lock()


def upload_mb() -> int:
    """The upload limit per file as the form's hint states it."""
    return int(round(current_app.config["UPLOAD_MAX_MB"]))


def _pieces(mb: int) -> tuple[str, ...]:
    """The form's markup split at its markers: text, slot name, text, …, text."""
    form = TicketForm(formdata=None, submission_key=_MARK.format("submission_key"),
                      contact_phone=_MARK.format("contact_phone"))
    form.csrf_token.current_token = _MARK.format("csrf_token")
    html = str(get_template_attribute("seller/_ticket_form.html", "ticket_form")(form, _MARK.format("action"), mb))
    pieces = tuple(_MARKS.split(html))
    found = sorted(pieces[1::2])
    if found != sorted(SLOTS):  # the template must show each value exactly once, as a plain value
        raise RuntimeError(f"seller/_ticket_form.html shows {found} where {sorted(SLOTS)} was expected")
    return pieces


def blank_ticket_form(*, action: str, csrf_token: str, submission_key: str, contact_phone: str | None) -> Markup:
    """The empty form in the request's language, with these values in it."""
    mb = upload_mb()
    key = (str(get_locale()), mb)
    pieces = _kept.get(key)
    if pieces is None:
        pieces = _pieces(mb)
        if not current_app.jinja_env.auto_reload:  # a template being edited is rendered afresh
            with _lock:
                _kept[key] = pieces
    values = {"action": action, "csrf_token": csrf_token, "submission_key": submission_key,
              "contact_phone": contact_phone or ""}
    return Markup("".join(piece if i % 2 == 0 else escape(values[piece]) for i, piece in enumerate(pieces)))
