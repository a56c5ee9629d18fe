"""Canned replies per department: admins add and switch them off, managers look."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from forms.admin import CannedReplyForm

from ..services import canned, departments
from ..services.errors import PortalError
from ..services.runtime import utcnow
from ..templating import department_name
from .views import bp


def _form() -> CannedReplyForm:
    form = CannedReplyForm()
    form.department.choices = [SelectChoice(d.code, department_name(d)) for d in departments.all_departments()]
    return form


def _page(form: CannedReplyForm | None = None, status: int = 200):
    return render_template("admin/canned.html", form=form or _form(), replies=canned.all_replies(),
                           department_names={d.code: department_name(d) for d in departments.all_departments()},
                           can_change=current_user.role == "admin"), status


@bp.get("/canned")
def canned_page():
    return _page()


@bp.post("/canned")
def add_canned():
    form = _form()
    if not form.validate():
        return _page(form, 422)
    try:
        reply = canned.add(form.department.data, form.title.data, form.body.data, actor=current_user,
                           now=utcnow())
    except PortalError as exc:
        for name, messages in exc.fields.items():
            getattr(form, name).errors = list(messages)
        return _page(form, exc.status_code)
    flash(_("Canned reply “%(title)s” added.", title=reply.title))
    return redirect(url_for("admin.canned_page"), 303)


@bp.post("/canned/<int:reply_id>/<any(on, off):state>")
def toggle_canned(reply_id: int, state: str):
    try:
        canned.set_active(reply_id, state == "on", actor=current_user, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.canned_page"), 303)
