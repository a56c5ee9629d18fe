"""The seller's side: their link page, the troubleshooting form and their tickets."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from forms.lead import LeadRequestForm
from forms.seller import RatingForm, ReplyForm, SelfResolveForm, TicketForm
from vocabulary import CATEGORIES, TRACKING_REQUIRED

from ..db_setup import SAFE_METHODS
from ..models import Seller
from ..services import lead_requests, links, previews, promises, seller_pages, tickets, uploads
from ..services.errors import InvalidInput, NotFound, PortalError
from ..services.runtime import runtime, utcnow
from .budget import per_seller

bp = Blueprint("seller", __name__, url_prefix="/s/<token>")
HOME_TICKETS = 10  # the latest tickets under the form; the rest are a link away
LIST_PAGE = 30


@bp.url_value_preprocessor
def load_seller(_endpoint, values):
    """Check the link's signature, and on a page the seller too. A submission (any POST) reads its
    seller only when it needs it, in the transaction that writes (current_seller). On SQLite, whose
    writing transactions take the one write lock with their first statement (db_setup), the form is
    parsed and checked before any statement, so other submissions write meanwhile, and no separate
    transaction reads the seller first."""
    g.token = values.pop("token")
    try:
        g.link = links.link_of_token(g.token, runtime().link_keys)
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    g.seller_if_valid = _seller_if_valid  # the page's language may follow the seller's (i18n)
    if request.method in SAFE_METHODS:
        current_seller()


def current_seller() -> Seller:
    """The link's seller, read once per request; 404 or 410 for a link no longer valid."""
    seller = g.get("seller")
    if seller is None:
        g.seller_read = True
        try:
            seller = g.seller = links.seller_of_link(*g.link)
        except PortalError as exc:
            abort(exc.status_code, exc.message)
    return seller


def _seller_if_valid() -> Seller | None:
    """The seller, for the page's language, if reading them was not tried yet or went well: an
    error page (a refused link, a database gone) asks for the language too, and then follows the
    browser's instead of reading again and failing again inside the error handler."""
    if g.get("seller_read"):
        return g.get("seller")
    try:
        return current_seller()
    except (HTTPException, SQLAlchemyError):
        return None


@bp.url_defaults
def keep_token(_endpoint, values):
    values.setdefault("token", g.get("token"))


def _checked_uploads(field) -> tuple[uploads.Upload, ...]:
    rt = runtime()
    return uploads.check_files(field.data, rt.upload_max_bytes, rt.upload_max_files)


def upload_mb() -> int:
    """The upload limit per file as the form's hint states it."""
    return int(round(current_app.config["UPLOAD_MAX_MB"]))


def _typed_before() -> dict[str, str]:
    """What the seller had typed, posted back from the parcel status page ("I still need help")."""
    typed = {name: request.form[name] for name in ("tracking_numbers", "description", "contact_phone")
             if request.form.get(name)}
    if request.form.get("category") in CATEGORIES:
        typed["category"] = request.form["category"]
    return typed


def form_checks() -> dict[str, str]:
    """What the page's script checks before the seller sends (templates/seller/_form_checks.html):
    the server's own upload limits and messages, and the categories that need a tracking number."""
    rt = runtime()
    return {**uploads.browser_checks(rt.upload_max_bytes, rt.upload_max_files),
            "tracking-required": " ".join(sorted(TRACKING_REQUIRED)), "msg-required": _("(required)")}


def _home(form: TicketForm | None, status: int = 200):
    """The link's page: a fresh form (form None), or a refused one with its values and errors."""
    seller = current_seller()
    latest = seller_pages.tickets_page(seller, HOME_TICKETS)
    reattach = False
    if form is None:
        form = TicketForm(formdata=None, **{"contact_phone": seller.phone, **_typed_before()})
    else:
        # a browser never re-sends chosen files after an error page: say so instead of losing them silently
        reattach = any(f.filename for f in request.files.getlist("attachments"))
    form.submission_key.data = form.submission_key.data or uuid.uuid4().hex
    return render_template("seller/home.html", seller=seller, form=form, upload_mb=upload_mb(),
                           reattach=reattach, tickets=latest.rows, older=latest.older, checks=form_checks(),
                           promises=promises.form_promises(runtime())), status


@bp.get("/tickets")
def ticket_list():
    """Every ticket of the seller, a page at a time, newest first (the form page shows the latest few)."""
    before, after = request.args.get("before") or None, request.args.get("after") or None
    seller = current_seller()
    page = seller_pages.tickets_page(seller, LIST_PAGE, before=before, after=after)
    return render_template("seller/tickets.html", seller=seller, tickets=page.rows, older=page.older,
                           newer=page.newer, first_page=not (before or after))


@bp.get("")
def home():
    return _home(None)


@bp.post("/form")
def filled_again():
    """The form filled again with what the seller had typed, posted back (CSRF-checked) from the
    parcel status page by "I still need help" or "Back to the form": what they wrote never goes
    into a URL, a browser history or an access log. Nothing is judged or stored."""
    return _home(None)


@bp.post("/tickets")
@per_seller
def create():
    form = TicketForm()
    if not form.validate():
        return _home(form, 422)
    try:
        files = _checked_uploads(form.attachments)
        new = tickets.NewTicket(category=form.category.data, description=form.description_text,
                                tracking_numbers=tuple(form.tracking_list), contact_phone=form.phone_value,
                                uploads=files, submission_key=form.submission_key.data or None)
        ticket, _created = tickets.create_ticket(current_seller(), new, now=utcnow(), rt=runtime())
    except InvalidInput as exc:
        form.attachments.errors = [exc.message]
        return _home(form, 422)
    return redirect(url_for(".ticket", reference=ticket.reference), 303)


def _ticket_page(ticket, reply_form=None, rating_form=None, status: int = 200, lead_form=None):
    thread = tickets.public_thread(ticket)
    return render_template(
        "seller/ticket.html", seller=current_seller(), ticket=ticket, thread=thread,
        previews=previews.for_thread(thread, runtime().upload_dir),
        shipments=tickets.known_shipments(ticket), reply_form=reply_form or ReplyForm(),
        rating_form=rating_form or RatingForm(), resolve_form=SelfResolveForm(),
        promise_note=promises.later_day_note(ticket, now=utcnow()),
        lead=lead_requests.seller_view(ticket), lead_form=lead_form or LeadRequestForm(),
        merged_into=seller_pages.merged_into(ticket), rating_refusal=tickets.rating_refusal(ticket),
        checks=form_checks(),
    ), status


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    """The ticket's page; opening it makes the staff replies on it no longer new."""
    found = _own_ticket(reference)
    seller_pages.opened(found)
    return _ticket_page(found)


def _own_ticket(reference: str):
    try:
        return tickets.seller_ticket(current_seller(), reference)
    except PortalError as exc:
        abort(exc.status_code, exc.message)


@bp.post("/tickets/<reference>/reply")
@per_seller
def reply(reference: str):
    ticket = _own_ticket(reference)
    form = ReplyForm()
    if not form.validate():
        return _ticket_page(ticket, reply_form=form, status=422)
    try:
        tickets.seller_reply(ticket, form.body_text, _checked_uploads(form.attachments), now=utcnow(),
                             rt=runtime())
    except InvalidInput as exc:
        form.attachments.errors = [exc.message]
        return _ticket_page(ticket, reply_form=form, status=422)
    except PortalError as exc:
        form.body.errors = [exc.message]
        return _ticket_page(ticket, reply_form=form, status=exc.status_code)
    return redirect(url_for(".ticket", reference=reference) + "#thread-end", 303)


@bp.post("/tickets/<reference>/rating")
@per_seller
def rating(reference: str):
    ticket = _own_ticket(reference)
    form = RatingForm()
    if not form.validate():
        return _ticket_page(ticket, rating_form=form, status=422)
    try:
        tickets.rate(ticket, form.score.data, form.comment_text, now=utcnow())
    except PortalError as exc:
        form.score.errors = [exc.message]
        return _ticket_page(ticket, rating_form=form, status=exc.status_code)
    return redirect(url_for(".ticket", reference=reference), 303)


@bp.post("/tickets/<reference>/resolve")
@per_seller
def resolve(reference: str):
    ticket = _own_ticket(reference)
    if not SelfResolveForm().validate():
        abort(400, _("The form expired; please reload the page."))
    try:
        tickets.self_resolve(ticket, now=utcnow())
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    return redirect(url_for(".ticket", reference=reference), 303)


@bp.post("/tickets/<reference>/lead")
@per_seller
def ask_lead(reference: str):
    """The seller asks the department's team lead to look (after a breach or a second reopening)."""
    ticket = _own_ticket(reference)
    form = LeadRequestForm()
    if not form.validate():
        return _ticket_page(ticket, lead_form=form, status=422)
    try:
        lead_requests.request_lead(ticket, form.reason_text, now=utcnow(), rt=runtime())
    except PortalError as exc:
        form.reason.errors = [exc.message]
        return _ticket_page(ticket, lead_form=form, status=exc.status_code)
    return redirect(url_for(".ticket", reference=reference) + "#lead", 303)


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    row = tickets.seller_attachment(current_seller(), attachment_id)
    if row is None:
        abort(404, _("No such file."))
    try:
        return uploads.send_attachment(row, runtime().upload_dir)
    except NotFound as exc:
        abort(404, exc.message)


@bp.get("/attachments/<int:attachment_id>/thumb")
def attachment_thumb(attachment_id: int):
    """The inline thumbnail of an image on the seller's own ticket (public messages only)."""
    row = tickets.seller_attachment(current_seller(), attachment_id)
    if row is None:
        abort(404, _("No such file."))
    try:
        return previews.send_thumbnail(row, runtime().upload_dir)
    except NotFound as exc:
        abort(404, exc.message)
