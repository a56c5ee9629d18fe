"""Who may see which tickets: the one place the rule lives."""
from __future__ import annotations

from sqlalchemy import Select

from .models import Ticket, User


def department_ids(user: User) -> set[int] | None:
    """Department ids the user works in, or None when the user sees every department."""
    if user.sees_all_departments:
        return None
    return {d.id for d in user.departments}


def can_see(user: User, ticket: Ticket) -> bool:
    ids = department_ids(user)
    return ids is None or ticket.department_id in ids


def visible(user: User, query: Select) -> Select:
    """Restrict a ticket query to what the user may see."""
    ids = department_ids(user)
    return query if ids is None else query.where(Ticket.department_id.in_(ids or {-1}))
