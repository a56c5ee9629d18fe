"""/admin/integration-tokens: tokens for the carrier's parcel feed (shown once) and their revocation;
managers look."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.admin_integration_tokens import IntegrationTokenForm

from ..services import integration_tokens
from ..services.errors import PortalError
from ..services.runtime import utcnow
from .views import bp


def _page(form: IntegrationTokenForm | None = None, status: int = 200, *, issued: tuple[str, object] | None = None):
    response = make_response(render_template(
        "admin/integration_tokens.html", form=form or IntegrationTokenForm(), rows=integration_tokens.tokens(),
        issued=issued, can_change=current_user.role == "admin"), status)
    if issued:  # the token is shown this once: never kept by a browser or proxy cache
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/integration-tokens")
def integration_tokens_page():
    return _page()


@bp.post("/integration-tokens")
def issue_integration_token():
    form = IntegrationTokenForm()
    if not form.validate():
        return _page(form, 422)
    try:
        raw, row = integration_tokens.issue(form.name.data, actor=current_user._get_current_object(), now=utcnow())
    except PortalError as exc:
        for name, messages in exc.fields.items():
            if name in form:
                form[name].errors = list(messages)
        if not exc.fields:
            flash(exc.message, "error")
        return _page(form, exc.status_code)
    return _page(IntegrationTokenForm(formdata=None), 201, issued=(raw, row))


@bp.post("/integration-tokens/<int:token_id>/revoke")
def revoke_integration_token(token_id: int):
    # CSRFProtect has already checked the token of every POST
    try:
        row = integration_tokens.revoke(token_id, actor=current_user._get_current_object(), now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(status=exc.status_code)
    flash(_("Integration token %(prefix)s… (%(name)s) revoked; it no longer works.", prefix=row.prefix,
            name=row.name))
    return redirect(url_for("admin.integration_tokens_page"), 303)
