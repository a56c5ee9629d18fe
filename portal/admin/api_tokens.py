"""/admin/api-tokens: issue personal API tokens to staff (shown once) and revoke them; managers look."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from forms.admin_api_tokens import ApiTokenForm

from ..services import api_tokens
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .views import bp


def _form(*, blank: bool = False) -> ApiTokenForm:
    form = ApiTokenForm(formdata=None) if blank else ApiTokenForm()
    form.user.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(u.email, f"{u.name} <{u.email}> · {u.role}") for u in api_tokens.holders()]
    return form


def _page(form: ApiTokenForm | None = None, status: int = 200, *, issued: tuple[str, object] | None = None):
    response = make_response(render_template(
        "admin/api_tokens.html", form=form or _form(), rows=api_tokens.tokens(), issued=issued,
        can_change=current_user.role == "admin"), status)
    if issued:  # the token is shown this once: never kept by a browser or proxy cache
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api-tokens")
def api_tokens_page():
    return _page()


@bp.post("/api-tokens")
def issue_api_token():
    form = _form()
    if not form.validate():
        return _page(form, 422)
    try:
        user = api_tokens.user_by_email(form.user.data)
        raw, row = api_tokens.issue(user, form.name.data, actor=current_user, now=utcnow())
    except PortalError as exc:
        for name, messages in exc.fields.items():
            if name in form:
                form[name].errors = list(messages)
        if not exc.fields:
            flash(exc.message, "error")
        return _page(form, exc.status_code)
    return _page(_form(blank=True), 201, issued=(raw, row))


@bp.post("/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int):
    # CSRFProtect has already checked the token of every POST
    try:
        row = api_tokens.revoke(token_id, actor=current_user, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status_code)
    flash(_("Token %(prefix)s… (%(name)s) of %(email)s revoked; it no longer works.", prefix=row.prefix,
            name=row.name, email=row.user.email))
    return redirect(url_for("admin.api_tokens_page"), 303)
