"""/admin/staff: add staff, change roles and departments, deactivate, reset passwords; managers look."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from forms.admin_staff import PasswordResetForm, StaffAddForm, StaffEditForm

from ..models import ROLES, User
from ..services import departments, staff
from ..services.errors import NotFound, PortalError
from ..services.runtime import utcnow
from ..templating import ROLE_LABELS, department_name
from .views import bp


def _choices(form: StaffAddForm | StaffEditForm) -> StaffAddForm | StaffEditForm:
    form.role.choices = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
    form.departments.choices = [SelectChoice(d.code, department_name(d)) for d in departments.all_departments()]
    return form


def _fields_to(form: FlaskForm, exc: PortalError) -> None:
    """Show the service's refusal beside the fields it is about (on top of the page otherwise)."""
    for name, messages in exc.fields.items():
        name = "departments" if name == "department" else name
        if name in form:
            form[name].errors = list(messages)
        else:
            flash(messages[0], "error")
    if not exc.fields:
        flash(exc.message, "error")


def _user(user_id: int) -> User:
    try:
        return staff.get(user_id)
    except NotFound as exc:
        abort(404, exc.message)


def _list_page(form: StaffAddForm | None = None, status: int = 200):
    return render_template("admin/staff.html", form=form or _choices(StaffAddForm()), rows=staff.staff_list(),
                           can_change=current_user.role == "admin"), status


def _user_page(user: User, *, edit: StaffEditForm | None = None, reset: PasswordResetForm | None = None,
               new_password: str | None = None, status: int = 200):
    if edit is None:
        edit = _choices(StaffEditForm(formdata=None, obj=user))
        edit.departments.data = [d.code for d in user.departments]
    response = make_response(render_template(
        "admin/staff_user.html", user=user, open_tickets=staff.open_tickets(user.id), edit=edit,
        reset=reset or PasswordResetForm(formdata=None), new_password=new_password,
        can_change=current_user.role == "admin", is_self=user.id == current_user.id), status)
    if new_password:  # shown once: never kept by a browser or proxy cache
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/staff")
def staff_page():
    return _list_page()


@bp.post("/staff")
def add_staff():
    form = _choices(StaffAddForm())
    if not form.validate():
        return _list_page(form, 422)
    try:
        user = staff.add_user(form.email.data, form.name.data, form.role.data, form.password.data,
                              form.departments.data or [], actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return _list_page(form, exc.status_code)
    flash(_("%(name)s (%(email)s) can now log in as %(role)s.", name=user.name, email=user.email, role=user.role))
    return redirect(url_for("admin.staff_user", user_id=user.id), 303)


@bp.get("/staff/<int:user_id>")
def staff_user(user_id: int):
    return _user_page(_user(user_id))


@bp.post("/staff/<int:user_id>")
def edit_staff(user_id: int):
    user, form = _user(user_id), _choices(StaffEditForm())
    if not form.validate():
        return _user_page(user, edit=form, status=422)
    try:
        staff.edit_user(user.id, form.name.data, form.role.data, form.departments.data or [],
                        actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return _user_page(user, edit=form, status=exc.status_code)
    where = ", ".join(d.code for d in user.departments)
    flash(_("Saved: %(name)s is %(role)s in %(departments)s.", name=user.name, role=user.role, departments=where)
          if where else _("Saved: %(name)s is %(role)s.", name=user.name, role=user.role))
    return redirect(url_for("admin.staff_user", user_id=user.id), 303)


def _set_active(user_id: int, active: bool):
    user = _user(user_id)
    try:
        _saved, unassigned = staff.set_active(user.id, active, actor=current_user, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
        return _user_page(user, status=exc.status_code)
    if active:
        flash(_("%(name)s is active again and can log in.", name=user.name))
    else:
        message = _("%(name)s is deactivated: they cannot log in and get no new tickets.", name=user.name)
        if unassigned:
            message += " " + _("%(count)s open ticket(s) went back to the department queue.", count=len(unassigned))
        flash(message)
    return redirect(url_for("admin.staff_user", user_id=user.id), 303)


@bp.post("/staff/<int:user_id>/deactivate")
def deactivate_staff(user_id: int):
    return _set_active(user_id, False)


@bp.post("/staff/<int:user_id>/reactivate")
def reactivate_staff(user_id: int):
    return _set_active(user_id, True)


@bp.post("/staff/<int:user_id>/password")
def reset_staff_password(user_id: int):
    user, form = _user(user_id), PasswordResetForm()
    if not form.validate():
        return _user_page(user, reset=form, status=422)
    try:
        _saved, password = staff.reset_password(user.id, None if form.generate.data else form.password.data,
                                                actor=current_user, now=utcnow())
    except PortalError as exc:
        _fields_to(form, exc)
        return _user_page(user, reset=form, status=exc.status_code)
    if form.generate.data:  # shown on this page once; a flash would keep it in the session cookie
        return _user_page(user, new_password=password)
    flash(_("%(name)s's password is changed.", name=user.name))
    return redirect(url_for("admin.staff_user", user_id=user.id), 303)
