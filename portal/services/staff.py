"""Staff accounts: creation, roles and departments, deactivation, passwords. Every change is audited."""
from __future__ import annotations

import datetime as dt
import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from vocabulary import OPEN_STATUSES

from ..extensions import db
from ..models import ROLES, Department, Ticket, User
from . import audit, history, staff_sessions
from .actor import Actor, actor_fields
from .errors import Conflict, InvalidInput, NotFound

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_NAME = 120
# a real hash to compare against when the user does not exist, so timing does not tell
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")
def _audit(action: str, user: User, before: dict | None, after: dict | None, *, actor: Actor,
           now: dt.datetime) -> None:
    audit.record(action, "user", user.email, before=before, after=after, now=now, **actor_fields(actor))


def snapshot(user: User) -> dict:
    """What the audit keeps of an account: never its password or hash."""
    return {"email": user.email, "name": user.name, "role": user.role, "active": bool(user.active),
            "departments": sorted(d.code for d in user.departments)}


def _departments(codes: list[str], role: str, errors: dict[str, list[str]]) -> list[Department]:
    codes = list(dict.fromkeys(c for c in codes if c))
    departments = list(db.session.scalars(select(Department).where(Department.code.in_(codes))
                                          .order_by(Department.code))) if codes else []
    missing = set(codes) - {d.code for d in departments}
    if missing:
        errors["department"] = [_l("Unknown department: %(codes)s.", codes=", ".join(sorted(missing)))]
    elif role in ("agent", "lead") and not departments:
        errors["department"] = [_l("Agents and leads belong to at least one department.")]
    return departments


def _check_password(password: str | None, errors: dict[str, list[str]]) -> None:
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [_l("The password needs at least %(min)s characters.", min=MIN_PASSWORD)]
    elif len(password) > MAX_PASSWORD:
        errors["password"] = [_l("The password may have at most %(max)s characters.", max=MAX_PASSWORD)]


def _check_name(name: str | None, errors: dict[str, list[str]]) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = [_l("Enter a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_l("The name may have at most %(max)s characters.", max=MAX_NAME)]
    return name


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)


def add_user(email: str, name: str, role: str, password: str, department_codes: list[str], *, actor: Actor,
             now: dt.datetime) -> User:
    """Create a staff account and its audit event (user.added), committed. Agents and leads need at
    least one department."""
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = [_l("Enter a valid e-mail address.")]
    if role not in ROLES:
        errors["role"] = [_l("Role is one of %(roles)s.", roles=", ".join(ROLES))]
    _check_password(password, errors)
    name = _check_name(name, errors)
    departments = _departments(department_codes, role, errors)
    _refuse(errors)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        message = _l("A user with e-mail %(email)s already exists.", email=email)
        raise InvalidInput(message, {"email": [message]})
    user = User(email=email, name=name, role=role, password_hash=generate_password_hash(password),
                departments=departments, active=True, on_duty=True, created_at=now)
    db.session.add(user)
    db.session.flush()
    _audit("user.added", user, None, snapshot(user), actor=actor, now=now)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work for a wrong user or password)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def get(user_id: int) -> User:
    """The account with this id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No staff member %(id)s.", id=user_id))
    return user


def staff_list() -> list[tuple[User, int]]:
    """Every account with its number of open assigned tickets: active first, then by role and name."""
    open_counts = dict(db.session.execute(
        select(Ticket.assignee_id, func.count(Ticket.id))
        .where(Ticket.assignee_id.is_not(None), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.assignee_id)).all())
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.name, User.id))
    return [(user, open_counts.get(user.id, 0)) for user in users]


def open_tickets(user_id: int) -> int:
    """How many open tickets are assigned to the account."""
    return db.session.scalar(select(func.count(Ticket.id)).where(Ticket.assignee_id == user_id,
                                                                  Ticket.status.in_(OPEN_STATUSES)))


def department_choices() -> list[tuple[str, str]]:
    """(code, name) of every department, for the forms."""
    return [(d.code, d.name) for d in db.session.scalars(select(Department).order_by(Department.code))]


def edit_user(user_id: int, name: str, role: str, department_codes: list[str], *, actor: Actor,
              now: dt.datetime) -> User:
    """Change an account's name, role and departments (audited as user.edited), committed. An admin
    cannot take away their own administrator role."""
    user = get(user_id)
    errors: dict[str, list[str]] = {}
    if role not in ROLES:
        errors["role"] = [_l("Role is one of %(roles)s.", roles=", ".join(ROLES))]
    elif isinstance(actor, User) and actor.id == user.id and role != "admin":
        errors["role"] = [_l("You cannot remove your own administrator role; ask another administrator.")]
    name = _check_name(name, errors)
    departments = _departments(department_codes, role, errors)
    _refuse(errors)
    before = snapshot(user)
    user.name, user.role, user.departments = name, role, departments
    after = snapshot(user)
    if after != before:
        _audit("user.edited", user, before, after, actor=actor, now=now)
    if after["role"] != before["role"]:
        staff_sessions.end_all(user.id, now, "role")  # what they may do changed: they log in again
    db.session.commit()
    return user


def _unassign_open_tickets(user: User, *, actor: Actor, now: dt.datetime) -> list[str]:
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.assignee_id == user.id,
                                                           Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id)))
    for ticket in tickets:
        history.record(ticket, "assigned", now, assignee_id=None, assignee=None, previous=user.email,
                       reason="assignee deactivated", **actor_fields(actor))
        ticket.assignee_id, ticket.updated_at = None, now
    return [t.reference for t in tickets]


def set_active(user_id: int, active: bool, *, actor: Actor, now: dt.datetime) -> tuple[User, list[str]]:
    """Deactivate (user.deactivated) or reactivate (user.reactivated) an account, committed; never
    deletes it, so history keeps the name. A deactivated user cannot log in, their open session stops
    working, new tickets are no longer assigned to them, and their open tickets go back to the
    department queue (their references are returned). Nobody can deactivate themselves."""
    user = get(user_id)
    if not active and isinstance(actor, User) and actor.id == user.id:
        raise Conflict(_l("You cannot deactivate your own account; ask another administrator."))
    if bool(user.active) == active:
        return user, []
    before = snapshot(user)
    user.active = active
    unassigned = [] if active else _unassign_open_tickets(user, actor=actor, now=now)
    if not active:
        staff_sessions.end_all(user.id, now, "deactivated")  # so reactivating later revives none
    after = snapshot(user) | ({"open_tickets_unassigned": unassigned} if unassigned else {})
    _audit("user.reactivated" if active else "user.deactivated", user, before, after, actor=actor, now=now)
    db.session.commit()
    return user, unassigned


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def reset_password(user_id: int, new_password: str | None, *, actor: Actor, now: dt.datetime) -> tuple[User, str]:
    """Give the account a new password: `new_password`, or a generated one when None. Returns the
    user and the password (to show once). The audit event (user.password_reset) says that the
    password changed and how, never what it is. Every session of the account ends (but the one of
    an actor changing their own password). Committed."""
    user = get(user_id)
    generated = new_password is None
    password = generate_password() if generated else new_password
    errors: dict[str, list[str]] = {}
    _check_password(password, errors)
    _refuse(errors)
    user.password_hash = generate_password_hash(password)
    own = isinstance(actor, User) and actor.id == user.id
    ended = staff_sessions.end_all(user.id, now, "password", keep=actor.session_key if own else None)
    _audit("user.password_reset", user, {"password": "previous"},
           {"password": "generated" if generated else "set by an administrator", "sessions_ended": ended},
           actor=actor, now=now)
    db.session.commit()
    return user, password
