"""Staff accounts: creation and password checks."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, Department, User
from .errors import Conflict, InvalidInput

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
# a real hash to compare against when the user does not exist, so timing does not tell
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


def add_user(email: str, name: str, role: str, password: str, department_codes: list[str]) -> User:
    """Create a staff account, committed. Agents and leads need at least one department."""
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not EMAIL_RE.match(email):
        errors["email"] = ["Enter a valid e-mail address."]
    if role not in ROLES:
        errors["role"] = [f"Role is one of {', '.join(ROLES)}."]
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [f"The password needs at least {MIN_PASSWORD} characters."]
    if not (name or "").strip():
        errors["name"] = ["Enter a name."]
    departments = list(db.session.scalars(select(Department).where(Department.code.in_(department_codes))))
    missing = set(department_codes) - {d.code for d in departments}
    if missing:
        errors["department"] = [f"Unknown department: {', '.join(sorted(missing))}."]
    elif role in ("agent", "lead") and not departments:
        errors["department"] = ["Agents and leads belong to at least one department."]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password),
                departments=departments)
    db.session.add(user)
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
