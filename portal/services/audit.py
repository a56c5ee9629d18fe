"""The audit trail of administration: every change with actor, time, before and after."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Select, select

from ..extensions import db
from ..models import AuditEvent, Department, User

PAGE_SIZE = 100


def _plain(value) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _dump(state: dict | None) -> str | None:
    return None if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True, default=_plain)


def record(action: str, target_kind: str, target_label: str, *, before: dict | None, after: dict | None,
           now: dt.datetime, actor: User | None = None, actor_label: str | None = None) -> AuditEvent:
    """Add one audit event in the caller's transaction, so the change and its record commit together.
    `actor` is the signed-in user; `actor_label` names anyone else (e.g. "cli")."""
    event = AuditEvent(created_at=now, actor_user_id=actor.id if actor else None,
                       actor_label=actor_label or (actor.email if actor else "system"), action=action,
                       target_kind=target_kind, target_label=str(target_label)[:254],
                       before_json=_dump(before), after_json=_dump(after))
    db.session.add(event)
    return event


def changes(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field that differs, in field order."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


@dataclass(frozen=True)
class AuditFilter:
    kind: str | None = None  # target kind
    action: str | None = None
    actor: str | None = None  # part of the actor's label
    target: str | None = None  # part of the target's label
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    before_id: int | None = None  # keyset page: events older than this id


def _query(where: AuditFilter) -> Select:
    query = select(AuditEvent)
    if where.kind:
        query = query.where(AuditEvent.target_kind == where.kind)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.actor:
        query = query.where(AuditEvent.actor_label.contains(where.actor, autoescape=True))
    if where.target:
        query = query.where(AuditEvent.target_label.contains(where.target, autoescape=True))
    if where.since:
        query = query.where(AuditEvent.created_at >= where.since)
    if where.until:
        query = query.where(AuditEvent.created_at < where.until)
    if where.before_id:
        query = query.where(AuditEvent.id < where.before_id)
    return query


def events(where: AuditFilter, limit: int = PAGE_SIZE) -> list[AuditEvent]:
    """The newest events matching `where`, newest first."""
    return list(db.session.scalars(_query(where).order_by(AuditEvent.id.desc()).limit(limit)))


def kinds_and_actions() -> tuple[list[str], list[str]]:
    """The target kinds and actions recorded so far, for the filter menus."""
    kinds = db.session.scalars(select(AuditEvent.target_kind).distinct().order_by(AuditEvent.target_kind))
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return list(kinds), list(actions)


def names() -> tuple[dict[str, Department], dict[str, str]]:
    """The departments by code and the staff's names by e-mail, so the audit log names them as people do."""
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    people = {email: name for email, name in db.session.execute(select(User.email, User.name))}
    return departments, people
