"""Resolution reasons: admins add, rename and switch them off; managers look."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.admin_reasons import ResolutionReasonForm

from ..services import resolution_reasons
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .views import bp


def _page(form: ResolutionReasonForm | None = None, status: int = 200):
    return render_template("admin/reasons.html", form=form or ResolutionReasonForm(),
                           reasons=resolution_reasons.all_reasons(), can_change=current_user.role == "admin"), status


@bp.get("/reasons")
def reasons_page():
    return _page()


@bp.post("/reasons")
def add_reason():
    form = ResolutionReasonForm()
    if not form.validate():
        return _page(form, 422)
    try:
        reason = resolution_reasons.add(form.code.data, form.label_en.data, form.label_vi.data, actor=current_user,
                                        now=utcnow())
    except PortalError as exc:
        for name, messages in exc.fields.items():
            getattr(form, name).errors = list(messages)
        return _page(form, exc.status_code)
    flash(_("Resolution reason “%(label)s” added.", label=resolution_reasons.label(reason)), "success")
    return redirect(url_for("admin.reasons_page"), 303)


@bp.post("/reasons/<int:reason_id>/rename")
def rename_reason(reason_id: int):
    # CSRFProtect has already checked the token of every POST
    try:
        reason = resolution_reasons.rename(reason_id, request.form.get("label_en", ""),
                                           request.form.get("label_vi", ""), actor=current_user, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status_code)
    flash(_("Resolution reason “%(label)s” renamed.", label=resolution_reasons.label(reason)), "success")
    return redirect(url_for("admin.reasons_page"), 303)


@bp.post("/reasons/<int:reason_id>/<any(on, off):state>")
def toggle_reason(reason_id: int, state: str):
    try:
        resolution_reasons.set_active(reason_id, state == "on", actor=current_user, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.reasons_page"), 303)
