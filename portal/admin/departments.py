"""/admin/departments (names, leads, business calendars) and /admin/policies (SLA targets, versions,
re-application to open tickets): admins change, managers look."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from forms.admin_staff import CalendarForm, DepartmentForm, NewDepartmentForm, PolicyForm, ReapplyForm

from ..services import departments, policies
from ..services.errors import NotFound, PortalError
from ..services.runtime import runtime, utcnow
from ..templating import department_name
from .views import bp


def _fields_to(form: FlaskForm, exc: PortalError, rename: dict[str, str] | None = None) -> None:
    """Show the service's refusal beside the fields it is about (on top of the page otherwise)."""
    for name, messages in exc.fields.items():
        name = (rename or {}).get(name, name)
        if name in form:
            form[name].errors = list(messages)
        else:
            flash(messages[0], "error")
    if not exc.fields:
        flash(exc.message, "error")


def _department(code: str):
    try:
        return departments.details(code)
    except NotFound as exc:
        abort(404, exc.message)


# --- departments --------------------------------------------------------------------------------

@bp.get("/departments")
def departments_page(form: NewDepartmentForm | None = None, status: int = 200):
    return render_template("admin/departments.html", rows=departments.overview(), form=form or NewDepartmentForm(),
                           summary=departments.calendar_summary, can_change=current_user.role == "admin"), status


@bp.post("/departments")
def add_department():
    form = NewDepartmentForm()
    if not form.validate():
        return departments_page(form, 422)
    try:
        department = departments.add_department(form.code.data, form.name.data, form.name_vi.data,
                                                actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return departments_page(form, exc.status_code)
    flash(_("Department %(code)s added: choose its leads and calendar here.", code=department.code))
    return redirect(url_for("admin.department_page", code=department.code), 303)


def _department_form(row, formdata=True) -> DepartmentForm:
    form = DepartmentForm() if formdata else DepartmentForm(formdata=None, obj=row.department)
    form.leads.choices = [SelectChoice(uid, label) for uid, label in departments.lead_choices()]
    if not formdata:
        form.leads.data = [u.id for u in row.leads]
    return form


def _calendar_form(row, formdata=True) -> CalendarForm:
    if formdata:
        form = CalendarForm()
    else:
        form = CalendarForm(formdata=None, data=departments.calendar_form_values(
            row.department, current_app.config["PORTAL_TIMEZONE"]))
    form.country.choices = [SelectChoice(code, label) for code, label in
                            [("", _("no public holidays")), *departments.country_choices()]]
    return form


def _department_page(row, *, names: DepartmentForm | None = None, calendar: CalendarForm | None = None,
                     status: int = 200):
    today = utcnow().astimezone(runtime().timezone).date()
    return render_template("admin/departments_edit.html", row=row, names=names or _department_form(row, False),
                           calendar=calendar or _calendar_form(row, False), weekdays=departments.WEEKDAYS,
                           summary=departments.calendar_summary(row.calendar),
                           closures=departments.upcoming_closures(row.calendar, today),
                           can_change=current_user.role == "admin"), status


@bp.get("/departments/<code>")
def department_page(code: str):
    return _department_page(_department(code))


@bp.post("/departments/<code>")
def edit_department(code: str):
    row = _department(code)
    form = _department_form(row)
    if not form.validate():
        return _department_page(row, names=form, status=422)
    try:
        departments.edit_department(row.department.code, form.name.data, form.name_vi.data, form.leads.data or [],
                                    actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return _department_page(row, names=form, status=exc.status_code)
    flash(_("Department %(code)s saved.", code=row.department.code))
    return redirect(url_for("admin.department_page", code=row.department.code), 303)


@bp.post("/departments/<code>/calendar")
def set_department_calendar(code: str):
    row = _department(code)
    form = _calendar_form(row)
    if not form.validate():
        return _department_page(row, calendar=form, status=422)
    try:
        data = departments.set_calendar(row.department.code, form.business.data == "business", form.timezone.data,
                                        departments.parse_dates(form.holidays.data),
                                        weekly_hours=form.weekly_hours(), country=form.country.data or None,
                                        actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return _department_page(row, calendar=form, status=exc.status_code)
    flash(_("%(department)s: %(calendar)s. New tickets use it now; existing tickets keep their due times.",
            department=row.department.name, calendar=departments.calendar_summary(data or {"kind": "24/7"})))
    return redirect(url_for("admin.department_page", code=row.department.code), 303)


# --- SLA policies -------------------------------------------------------------------------------

def _department_choices(anything: str) -> list[tuple[str, str]]:
    return [SelectChoice(policies.ANY, anything),
            *(SelectChoice(d.code, department_name(d)) for d in departments.all_departments())]


def _policy_form() -> PolicyForm:
    form = PolicyForm()
    form.department.choices = _department_choices(_("any department"))
    return form


def _reapply_form() -> ReapplyForm:
    form = ReapplyForm()
    form.scope.choices = _department_choices(_("every department"))
    return form


def _escalations() -> dict:
    config = current_app.config
    return {"manager_minutes": config["SLA_MANAGER_ESCALATION_MINUTES"],
            "bump_priority": config["SLA_BUMP_PRIORITY_ON_BREACH"]}


def _policies_page(form: PolicyForm | None = None, reapply: ReapplyForm | None = None, preview=None,
                   status: int = 200):
    rt = runtime()
    return render_template("admin/policies.html", form=form or _policy_form(), reapply=reapply or _reapply_form(),
                           preview=preview, active=policies.active_rows(), versions=policies.versions(),
                           default=rt.policy, escalations=_escalations(),
                           department_names={d.code: department_name(d) for d in departments.all_departments()},
                           can_change=current_user.role == "admin"), status


@bp.get("/policies")
def policies_page():
    return _policies_page()


@bp.post("/policies")
def set_sla_policy():
    form = _policy_form()
    if not form.validate():
        return _policies_page(form, status=422)
    try:
        row = policies.set_policy(form.department.data, form.priority.data, form.first_response_minutes.data,
                                  form.at_risk_minutes.data, form.resolution_minutes.data, actor=current_user,
                                  now=utcnow(), rt=runtime())
    except PortalError as exc:
        _fields_to(form, exc)
        return _policies_page(form, status=exc.status_code)
    flash(_("Policy %(department)s/%(priority)s version %(version)s saved: new tickets get %(minutes)s min. "
            "Existing tickets keep their due times until you re-apply.", department=form.department.data,
            priority=form.priority.data, version=row.version, minutes=row.first_response_minutes))
    return redirect(url_for("admin.policies_page"), 303)


@bp.post("/policies/reapply")
def reapply_policies():
    form = _reapply_form()
    if not form.validate():
        return _policies_page(reapply=form, status=422)
    department = form.scope.data or policies.ANY
    try:
        if form.confirm.data != "yes":  # the first press only shows what would change
            preview = policies.preview_reapply(department, runtime())
            return _policies_page(reapply=form, preview=preview)
        changed = policies.reapply(None if department == policies.ANY else department, actor=current_user,
                                   now=utcnow(), rt=runtime())
    except PortalError as exc:
        _fields_to(form, exc, {"department": "scope"})
        return _policies_page(reapply=form, status=exc.status_code)
    flash(_("Re-applied today's policies: %(count)s open ticket(s) got a new due time.", count=changed))
    return redirect(url_for("admin.policies_page"), 303)
