"""/admin/sellers: find, add and edit sellers; issue, rotate and revoke their links (with a QR code);
import them from CSV or XLSX after a preview; export them with their links."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.admin_sellers import ConfirmImportForm, ForgetSellerForm, SellerForm, SellerImportForm

from ..services import erasure, links, seller_export, seller_import, seller_search, sellers
from ..services.errors import Conflict, PortalError
from ..services.runtime import runtime, utcnow
from .views import bp

MAX_IMPORT_ROWS = 20_000  # larger files go through `flask sellers import`
PREVIEW_ROWS = 500  # rows shown per section of an import preview


def _actor():
    return current_user._get_current_object()


def _can_change() -> bool:
    return current_user.role == "admin"


def _imports_dir() -> Path:
    return Path(current_app.config.get("SELLER_IMPORTS_DIR") or Path(current_app.instance_path) / "imports")


def _show_errors(form, exc: PortalError) -> None:
    placed = False
    for name, messages in exc.fields.items():
        if name in form:
            form[name].errors = list(messages)
            placed = True
    if not placed:
        flash(exc.message, "error")


def _seller_or_404(seller_id: int):
    try:
        return sellers.get(seller_id)
    except PortalError as exc:
        abort(exc.status_code, exc.message)


def _qr_data_uri(url: str) -> str:
    """The URL as a QR code, an SVG image inlined as a data: URI (allowed by the CSP's img-src)."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False,
                                       title=_("QR code of the seller's link"))
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _list_page(form: SellerForm | None = None, import_form: SellerImportForm | None = None, status: int = 200):
    query = (request.args.get("q") or "").strip()[:100]
    after = (request.args.get("after") or "").strip()[:64] or None
    page = seller_search.search(query, after=after)
    return render_template("admin/sellers.html", page=page, q=query, after=after, total=sellers.count(),
                           form=form or SellerForm(formdata=None), import_form=import_form or SellerImportForm(),
                           can_change=_can_change(), max_rows=MAX_IMPORT_ROWS), status


@bp.get("/sellers")
def sellers_page():
    return _list_page()


@bp.post("/sellers")
def add_seller():
    form = SellerForm()
    if not form.validate():
        return _list_page(form=form, status=422)
    try:
        data = sellers.clean_seller(form.code.data, form.name.data, form.phone.data, form.locale.data)
        seller = sellers.add_seller(data, now=utcnow(), actor=_actor())
    except PortalError as exc:
        _show_errors(form, exc)
        return _list_page(form=form, status=exc.status_code)
    flash(_("Seller %(code)s added. Give them the link below.", code=seller.code))
    return redirect(url_for("admin.seller_page", seller_id=seller.id, link="new", _anchor="link"), 303)


def _detail_page(seller, form: SellerForm | None = None, status: int = 200,
                 forget_form: ForgetSellerForm | None = None):
    link = qr = None
    if _can_change():  # a link opens the seller's account: only those who may revoke it see it
        rt = runtime()
        link = links.link_url(seller, rt.secret_key, rt.public_base_url)
        qr = _qr_data_uri(link)
    return render_template("admin/sellers_detail.html", seller=seller, form=form or SellerForm(obj=seller),
                           link=link, qr=qr, show_link=request.args.get("link") != "revoked",
                           can_change=_can_change(), forget_form=forget_form or ForgetSellerForm(formdata=None)), status


@bp.get("/sellers/<int:seller_id>")
def seller_page(seller_id: int):
    return _detail_page(_seller_or_404(seller_id))


@bp.post("/sellers/<int:seller_id>")
def edit_seller(seller_id: int):
    seller = _seller_or_404(seller_id)
    form = SellerForm()
    if not form.validate():
        return _detail_page(seller, form, 422)
    try:
        data = sellers.clean_seller(form.code.data, form.name.data, form.phone.data, form.locale.data)
        changed = sellers.edit_seller(seller_id, data, now=utcnow(), actor=_actor())
    except PortalError as exc:
        _show_errors(form, exc)
        return _detail_page(seller, form, exc.status_code)
    flash(_("Seller %(code)s saved.", code=data.code) if changed else _("Nothing changed."))
    return redirect(url_for("admin.seller_page", seller_id=seller_id), 303)


@bp.post("/sellers/<int:seller_id>/rotate")
def rotate_seller_link(seller_id: int):
    seller = _seller_or_404(seller_id)
    sellers.rotate_link(seller, now=utcnow(), actor=_actor())
    flash(_("New link issued for %(code)s: the old ones now answer “link replaced”. Send the seller this one.",
            code=seller.code))
    return redirect(url_for("admin.seller_page", seller_id=seller_id, link="new", _anchor="link"), 303)


@bp.post("/sellers/<int:seller_id>/revoke")
def revoke_seller_links(seller_id: int):
    seller = _seller_or_404(seller_id)
    sellers.revoke_links(seller, now=utcnow(), actor=_actor())
    flash(_("Every link of %(code)s is revoked. Show the new link only when the seller needs one.", code=seller.code))
    return redirect(url_for("admin.seller_page", seller_id=seller_id, link="revoked", _anchor="link"), 303)


@bp.post("/sellers/<int:seller_id>/forget")
def forget_seller(seller_id: int):
    """Erase the seller's personal data (as `sellers forget`), once the admin typed the seller's code."""
    seller = _seller_or_404(seller_id)
    form = ForgetSellerForm()
    if not form.validate() or (form.confirm_code.data or "").strip() != seller.code:
        form.confirm_code.errors = [_("Type %(code)s to confirm: nothing was erased.", code=seller.code)]
        return _detail_page(seller, status=422, forget_form=form)
    try:
        result = erasure.forget_seller(seller.code, now=utcnow(), upload_dir=runtime().upload_dir, actor=_actor())
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    if result.nothing:
        flash(_("Nothing was left to erase for %(code)s.", code=seller.code))
    else:
        flash(_("The personal data of %(code)s is erased: %(tickets)s ticket(s), %(messages)s message(s), "
                "%(files)s file(s). Their links are revoked; their tickets stay, anonymous.", code=seller.code,
                tickets=result.tickets, messages=result.messages, files=result.attachments))
    return redirect(url_for("admin.seller_page", seller_id=seller_id, link="revoked"), 303)


@bp.post("/sellers/import")
def upload_seller_import():
    form = SellerImportForm()
    if not form.validate():
        return _list_page(import_form=form, status=422)
    upload = form.file.data
    try:
        rows = seller_import.parse_upload(upload.filename or "", upload.read(), max_rows=MAX_IMPORT_ROWS)
        import_id = seller_import.save_pending(_imports_dir(), rows, filename=upload.filename or "",
                                               user_id=current_user.id, now=utcnow())
    except PortalError as exc:
        form.file.errors = [exc.message]
        return _list_page(import_form=form, status=exc.status_code)
    return redirect(url_for("admin.seller_import_page", import_id=import_id), 303)


@bp.get("/sellers/import/<import_id>")
def seller_import_page(import_id: str):
    try:
        pending = seller_import.load_pending(_imports_dir(), import_id, user_id=current_user.id, now=utcnow())
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    plan = seller_import.classify(pending.rows)
    form = ConfirmImportForm(import_id=import_id, digest=plan.digest())
    return render_template("admin/sellers_import.html", pending=pending, plan=plan, counts=plan.counts(), form=form,
                           limit=PREVIEW_ROWS)


@bp.post("/sellers/import/confirm")
def confirm_seller_import():
    form = ConfirmImportForm()
    if not form.validate():
        flash(str(next(iter(form.errors.values()))[0]), "error")  # a plain str: the session cannot hold a lazy one
        return _list_page(status=422)
    try:
        report = seller_import.confirm_import(_imports_dir(), form.import_id.data, form.digest.data,
                                              user=_actor(), now=utcnow())
    except Conflict as exc:  # the preview is out of date: show the current one
        flash(exc.message, "error")
        return redirect(url_for("admin.seller_import_page", import_id=form.import_id.data), 303)
    except PortalError as exc:
        flash(exc.message, "error")
        return _list_page(status=exc.status_code)
    flash(_("Import done: %(added)s added, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected.",
            added=report.added, updated=report.updated, unchanged=report.unchanged, rejected=len(report.rejected)))
    return redirect(url_for("admin.sellers_page"), 303)


@bp.post("/sellers/import/cancel")
def cancel_seller_import():
    try:
        seller_import.discard_pending(_imports_dir(), request.form.get("import_id", ""), user_id=current_user.id)
    except PortalError as exc:
        flash(exc.message, "error")
        return _list_page(status=exc.status_code)
    flash(_("Import cancelled: nothing was written."))
    return redirect(url_for("admin.sellers_page"), 303)


def _header_language() -> str:
    """The export's header language: `headers=vi|en` (form field or query), else `lang=vi|en` on the
    URL itself; the column names otherwise, whichever language the pages are shown in."""
    chosen = request.values.get("headers")
    if chosen is None and request.args.get("lang") in seller_export.HEADER_LANGUAGES:
        chosen = request.args["lang"]
    return chosen or "en"


@bp.post("/sellers/export.csv")
def export_sellers():
    rt = runtime()
    try:
        chunks = seller_export.export_links(rt.secret_key, rt.public_base_url, now=utcnow(), actor=_actor(),
                                            lang=_header_language())
    except PortalError as exc:
        abort(exc.status_code, exc.message)
    name = f"seller-links-{utcnow().astimezone(rt.timezone):%Y-%m-%d}.csv"
    return Response(chunks, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
