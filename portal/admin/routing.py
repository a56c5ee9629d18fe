"""/admin/routing: edit the routing rules, back-test a change before saving it, versions and restore.
Admins change, managers look (the blueprint refuses their POSTs)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.admin_routing import RoutingRulesForm
from forms.admin_routing_rows import RoutingRowsForm

from ..audit_values import Names, field_label, value_text
from ..services import departments, routing_rules
from ..services.errors import Conflict, InvalidInput, NotFound, PortalError
from ..services.runtime import utcnow
from ..templating import department_name
from . import routing_form
from .views import bp


def _department_names() -> dict[str, str]:
    """The departments' names by code, in the page's language, for the rules as the page tells them."""
    return {d.code: department_name(d) for d in departments.all_departments()}


def _worded(changes: list[tuple[str, object, object]], names: dict[str, str]) -> list[tuple[str, str, str, bool]]:
    """The changed parts of the rules as words, as the audit log tells them, and whether the values are
    what the admin wrote (rule ids, descriptions: not to be translated)."""
    known = Names(departments=names)
    return [(field_label(part), value_text(part, old, known), value_text(part, new, known),
             part in ("rule order", "description") or part.endswith(" description")) for part, old, new in changes]


def _show_errors(form: RoutingRulesForm, exc: PortalError) -> None:
    for name, messages in exc.fields.items():
        getattr(form, name).errors = list(messages)
    if not exc.fields:
        form.rules_json.errors = [exc.message]


def _version(number: int):
    try:
        return routing_rules.version(number)
    except NotFound as exc:
        abort(404, exc.message)


def _page(form: RoutingRulesForm | None = None, status: int = 200, problem: str | None = None, *,
          rows: RoutingRowsForm | None = None, problems: list[str] | None = None):
    """The rules page: the form editor (``rows``) above the JSON editor (``form``) for experts, which is
    shown open when it is the one that was posted."""
    active = routing_rules.active_version()
    json_posted = form is not None
    if form is None:
        start = _version(request.args.get("from", type=int)) if request.args.get("from") else None
        ruleset = routing_rules.ruleset_of(start) if start else active.ruleset
        form = RoutingRulesForm(rules_json=routing_rules.to_json(ruleset), base_version=active.number or 0)
    if rows is None:
        rows = (routing_form.from_json(form.rules_json.data or "", form.base_version.data) if not json_posted else None)
        rows = rows or routing_form.from_json(routing_rules.to_json(active.ruleset), active.number or 0)
    return render_template("admin/routing.html", form=form, active=active, problem=problem, rows=rows,
                           department_names=_department_names(),
                           keyword_hints=routing_form.keyword_hints(rows), problems=problems or [],
                           json_open=json_posted, versions=routing_rules.versions(),
                           can_change=current_user.role == "admin"), status


@bp.get("/routing")
def routing_page():
    return _page()


@bp.post("/routing")
def preview_routing():
    """The back-test of the edited rules and a confirm button; nothing is saved here."""
    form = RoutingRulesForm()
    if not form.validate():
        return _page(form, 422, _("Nothing was saved; see the messages below."))
    return _preview(form)


def _preview(form: RoutingRulesForm, rows: RoutingRowsForm | None = None):
    try:
        data = routing_rules.rules_from_text(form.rules_json.data)
        report = routing_rules.backtest(data, form.days.data, utcnow())
        proposed = routing_rules.validate(data)
    except InvalidInput as exc:
        if rows is not None:  # the form's rows make rules the service refuses: say why above them
            return _page(status=exc.status_code, problem=exc.message, rows=rows,
                         problems=exc.fields.get("rules_json"))
        _show_errors(form, exc)
        return _page(form, exc.status_code, exc.message)
    active = routing_rules.active_version()
    names = _department_names()
    return render_template("admin/routing_preview.html", form=form, report=report, active=active,
                           proposed=proposed, department_names=names,
                           changes=_worded(routing_rules.changes(active.ruleset, proposed), names))


@bp.post("/routing/form")
def preview_routing_form():
    """The form editor: add, remove and move rows (the page again, nothing saved), or preview the rules the
    rows make, exactly as the JSON editor would."""
    rows = routing_form.posted()
    changed = routing_form.rearranged(rows, request.form.get("action", "preview"))
    if changed is not None:
        return _page(rows=changed)
    if not rows.validate():
        return _page(status=422, problem=_("Nothing was saved; see the messages below."), rows=rows)
    try:
        text = routing_form.rules_json(rows)
    except InvalidInput as exc:
        return _page(status=exc.status_code, problem=exc.message, rows=rows, problems=exc.fields.get("rules_json"))
    form = RoutingRulesForm(formdata=None, rules_json=text, comment=rows.comment.data, days=rows.days.data,
                            base_version=rows.base_version.data)
    return _preview(form, rows)


@bp.post("/routing/confirm")
def save_routing():
    form = RoutingRulesForm()
    if not form.validate():
        return _page(form, 422, _("Nothing was saved; see the messages below."))
    try:
        data = routing_rules.rules_from_text(form.rules_json.data)
        row = routing_rules.save_version(data, form.comment.data, now=utcnow(),
                                         actor=current_user._get_current_object(),
                                         base_version=form.base_version.data)
    except InvalidInput as exc:
        _show_errors(form, exc)
        return _page(form, exc.status_code, exc.message)
    except Conflict as exc:
        # keep the edit, and start it again from the version saved meanwhile: the next preview shows both changes
        form.base_version.data, form.base_version.raw_data = routing_rules.active_version().number or 0, None
        return _page(form, exc.status_code, exc.message)
    flash(_("Routing rules saved as %(version)s; new tickets are routed by them.",
            version=routing_rules.version_label(row.version)))
    return redirect(url_for("admin.routing_page"), 303)


@bp.get("/routing/versions/<int:number>")
def routing_version(number: int):
    row = _version(number)
    ruleset = routing_rules.ruleset_of(row)
    active = routing_rules.active_version()
    names = _department_names()
    return render_template("admin/routing_version.html", row=row, ruleset=ruleset, active=active,
                           rules_json=routing_rules.to_json(ruleset), department_names=names,
                           changes=_worded(routing_rules.changes(active.ruleset, ruleset), names),
                           can_change=current_user.role == "admin")


@bp.post("/routing/versions/<int:number>/restore")
def restore_routing(number: int):
    try:
        row = routing_rules.restore_version(number, now=utcnow(), actor=current_user._get_current_object())
    except NotFound as exc:
        abort(404, exc.message)
    except PortalError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.routing_page"), 303)
    flash(_("Version %(old)s restored as %(new)s; new tickets are routed by it.",
            old=routing_rules.version_label(number), new=routing_rules.version_label(row.version)))
    return redirect(url_for("admin.routing_page"), 303)
