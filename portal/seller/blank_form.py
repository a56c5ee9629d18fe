"""The seller's troubleshooting form, and the page around it, as a fresh visit gets them: rendered
once per language and kept.

Every visit to a seller's link shows the same empty form: only the link it posts to, the CSRF
token, the submission key and the seller's phone differ. Building the WTForms form and rendering
its markup (labels, choices and hints translated one by one) was the largest part of serving the
page. Here the form is rendered once per language and upload limit with a marker in each of those
four places, and a visit fills the markers with its values, escaped as the template would escape
them. A refused submission still renders its form in full, with the seller's values and errors.

The page around the empty form is kept the same way (`blank_home`): its frame, headings and texts
are the same for every seller of a language; the seller's name and code, the language links
(which carry the link's token), the form and the latest tickets are filled in per visit."""
from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from types import SimpleNamespace

from flask import current_app, get_template_attribute, render_template
from flask_babel import get_locale
from markupsafe import Markup, escape

from forms.seller import TicketForm

from ..i18n import LANGUAGES, switch_url

SLOTS = ("action", "csrf_token", "submission_key", "contact_phone")
# private-use characters: text no translation or template produces, and escaping leaves alone
_MARK = "\ue000{}\ue001"
_MARKS = re.compile("\ue000([a-z_]+)\ue001")
# the page's slots, and how often the page shows each; `form` and `tickets` are markup, put in as is
PAGE_SLOTS = {"seller_name": 2, "seller_code": 1, "form": 1, "tickets": 1}
_RAW = frozenset({"form", "tickets"})

_kept: dict[tuple[str, int], tuple[str, ...]] = {}
_kept_pages: dict[tuple[str, int], tuple[str, ...]] = {}
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
    return _split(html, dict.fromkeys(SLOTS, 1), "seller/_ticket_form.html")


def _split(html: str, expected: Mapping[str, int], template: str) -> tuple[str, ...]:
    """Markup rendered with markers, split at them: text, slot name, text, …, text. The template must
    show each value as often as expected and as a plain value: a filter that changed a marker would
    leave it unfound, and serving what was kept would quietly leave that value out."""
    pieces = tuple(_MARKS.split(html))
    found = Counter(pieces[1::2])
    if found != Counter(expected) or any("\ue000" in text or "\ue001" in text for text in pieces[::2]):
        raise RuntimeError(f"{template} shows {dict(sorted(found.items()))} where {dict(sorted(expected.items()))} "
                           "was expected")
    return pieces


def _kept_or_rendered(kept: dict, key: tuple, render) -> tuple[str, ...]:
    pieces = kept.get(key)
    if pieces is None:
        pieces = render()
        if not current_app.jinja_env.auto_reload:  # a template being edited is rendered afresh
            with _lock:
                kept[key] = pieces
    return pieces


def _filled(pieces: tuple[str, ...], values: Mapping[str, str | Markup], raw: frozenset = frozenset()) -> Markup:
    return Markup("".join(piece if i % 2 == 0 else values[piece] if piece in raw else escape(values[piece])
                          for i, piece in enumerate(pieces)))


def blank_ticket_form(*, action: str, csrf_token: str, submission_key: str, contact_phone: str | None) -> Markup:
    """The empty form in the request's language, with these values in it."""
    mb = upload_mb()
    pieces = _kept_or_rendered(_kept, (str(get_locale()), mb), lambda: _pieces(mb))
    return _filled(pieces, {"action": action, "csrf_token": csrf_token, "submission_key": submission_key,
                            "contact_phone": contact_phone or ""})


def _other_languages(locale: str) -> list[str]:
    return [code for code in LANGUAGES if code != locale]


def _page_pieces(locale: str, mb: int) -> tuple[str, ...]:
    marked = {slot: _MARK.format(slot) for slot in PAGE_SLOTS}
    html = render_template("seller/home.html", seller=SimpleNamespace(name=marked["seller_name"],
                                                                    code=marked["seller_code"]),
                           form=None, blank_form=Markup(marked["form"]), upload_mb=mb, reattach=False,
                           latest_tickets_html=Markup(marked["tickets"]),
                           switch_url=lambda code: _MARK.format(f"switch_{code}"))
    return _split(html, {**PAGE_SLOTS, **{f"switch_{code}": 1 for code in _other_languages(locale)}},
                  "seller/home.html")


def blank_home(*, seller_name: str, seller_code: str, form: Markup, tickets: list, older: str | None) -> Markup:
    """The seller's page around an empty form (blank_ticket_form's), in the request's language: what
    rendering seller/home.html with these values gives."""
    locale, mb = str(get_locale()), upload_mb()
    pieces = _kept_or_rendered(_kept_pages, (locale, mb), lambda: _page_pieces(locale, mb))
    section = get_template_attribute("seller/_tickets.html", "latest_tickets")(tickets, older)
    values = {"seller_name": seller_name, "seller_code": seller_code, "form": form, "tickets": section,
              **{f"switch_{code}": switch_url(code) for code in _other_languages(locale)}}
    return _filled(pieces, values, _RAW)
