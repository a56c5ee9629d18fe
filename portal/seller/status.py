"""Parcel statuses on the seller's link before any ticket: the "Check status" page (and the same
answer as a fragment for the form's inline script), and "This answers my question", which records
a self-service event instead of a ticket. The link is checked as on every other seller page."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms.parcels import ParcelAnswerForm
from vocabulary import CATEGORIES

from ..services import parcel_lookup
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .budget import per_seller, per_seller_lookup
from .views import current_seller, keep_token, load_seller

bp = Blueprint("seller_status", __name__, url_prefix="/s/<token>")
bp.url_value_preprocessor(load_seller)
bp.url_defaults(keep_token)

# the form's fields "I still need help" carries back to the form, as the seller typed them
KEPT_FIELDS = ("category", "tracking_numbers", "description", "contact_phone")


def _category(raw: str | None) -> str | None:
    return raw if raw in CATEGORIES else None


def _raw_tracking() -> str:
    # the page's own parameter, or the form's field when its "Check status" button sent the whole form
    return request.values.get("tracking") or request.values.get("tracking_numbers") or ""


def _kept() -> dict[str, str]:
    """What the seller had typed, for "I still need help" to post back to the form (never in a URL)."""
    kept = {name: request.values.get(name, "") for name in KEPT_FIELDS}
    kept["tracking_numbers"] = kept["tracking_numbers"] or _raw_tracking()
    return {name: value for name, value in kept.items() if value}


@bp.route("/status", methods=["GET", "POST"])
@per_seller_lookup
def page():
    """The statuses of the numbers given, as a page, or as the fragment the form's script shows
    under the tracking field (`partial=1`); reads only, never a ticket. The form's "Check status"
    button posts the whole form here (CSRF-checked like every POST), so what the seller wrote
    never lands in a URL, a browser history or an access log."""
    category = _category(request.values.get("category"))
    inline = request.values.get("partial") == "1"
    template = "seller/_status_result.html" if inline else "seller/status.html"
    context = {"seller": current_seller(), "category": category, "kept": _kept(), "statuses": [],
               "more": False, "error": None, "offer": False, "inline": inline}
    try:
        wanted = parcel_lookup.numbers_to_look_up(_raw_tracking())
    except PortalError as exc:
        return render_template(template, **{**context, "error": exc.message}), exc.status_code
    statuses = parcel_lookup.lookup(context["seller"], wanted.numbers)
    offer = parcel_lookup.offers_self_service(category) and any(s.known for s in statuses)
    answer = ParcelAnswerForm(formdata=None, category=category, tracking_numbers=" ".join(wanted.numbers))
    return render_template(template, **{**context, "statuses": statuses, "more": wanted.more, "offer": offer,
                                         "answer_form": answer})


@bp.post("/status/answered")
@per_seller
def answered():
    """"This answers my question": one self-service event, no ticket; then the thank-you page."""
    form = ParcelAnswerForm()
    if not form.validate():
        abort(400, _("The form expired; please reload the page."))
    try:
        parcel_lookup.record_answer(current_seller(), _category(form.category.data), form.tracking_numbers.data,
                                    now=utcnow())
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    return redirect(url_for(".thanks"), 303)


@bp.get("/status/answered")
def thanks():
    return render_template("seller/answered.html", seller=current_seller())
