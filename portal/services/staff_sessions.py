"""Staff sessions kept on the server, so that they can end for good.

A login opens a row holding the SHA-256 of a random key; the session cookie carries the key (as
Flask-Login's user id: its documented "alternative token" pattern). Each request finds the user
through the row, so a row that ended (logout, a password change, a deactivation, a role change) or
grew older than the absolute lifetime lets no copy of the cookie in any more. The idle lifetime is
kept in the signed cookie itself (the time of the last request, refreshed at most once a minute),
so a page view never writes to the database."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import StaffSession, User

END_REASONS = ("logout", "password", "deactivated", "role")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start(user: User, now: dt.datetime, absolute: dt.timedelta, user_agent: str = "") -> str:
    """Open a session for `user` in the caller's transaction and return its key (for the cookie only:
    the database keeps its hash). The user's sessions that ended, or expired more than a lifetime
    ago, are removed meanwhile, so the table holds about one row per device in use."""
    db.session.execute(delete(StaffSession).where(
        StaffSession.user_id == user.id,
        or_(StaffSession.ended_at.is_not(None), StaffSession.created_at < now - 2 * absolute)))
    key = secrets.token_urlsafe(32)
    db.session.add(StaffSession(user_id=user.id, key_hash=_hash(key), created_at=now,
                                user_agent=(user_agent or "")[:200]))
    user.session_key = key
    return key


def log_in(user: User, now: dt.datetime, absolute: dt.timedelta, user_agent: str = "") -> str:
    """A login: `start`, committed. Returns the session's key, for the cookie."""
    key = start(user, now, absolute, user_agent)
    db.session.commit()
    return key


def user_for(key: str, now: dt.datetime, absolute: dt.timedelta) -> User | None:
    """The active user whose session has this key, while the session is neither ended nor older than
    `absolute`; otherwise None."""
    if not key or len(key) > 100:
        return None
    # the session, its user and the user's departments in one statement: every staff page asks this first
    row = db.session.execute(
        select(User, StaffSession.created_at, StaffSession.ended_at)
        .join(StaffSession, StaffSession.user_id == User.id)
        .where(StaffSession.key_hash == _hash(key))
        .options(joinedload(User.departments))).unique().first()
    if row is None or row.ended_at is not None or row.created_at <= now - absolute:
        return None
    user = row.User
    if not user.active:
        return None
    user.session_key = key
    return user


def end(key: str | None, now: dt.datetime, reason: str) -> bool:
    """End the session with this key, in the caller's transaction; False when it was not open."""
    if not key:
        return False
    return bool(db.session.execute(
        update(StaffSession).where(StaffSession.key_hash == _hash(key), StaffSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason), execution_options={"synchronize_session": False}).rowcount)


def log_out(key: str | None, now: dt.datetime) -> bool:
    """A logout: `end` with reason logout, committed; False when the session was not open."""
    ended = end(key, now, "logout")
    db.session.commit()
    return ended


def end_all(user_id: int, now: dt.datetime, reason: str, keep: str | None = None) -> int:
    """End every open session of the user in the caller's transaction, except the one with key `keep`
    (the user's own current session when they change their own password); returns how many ended."""
    query = update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
    if keep:
        query = query.where(StaffSession.key_hash != _hash(keep))
    return db.session.execute(query.values(ended_at=now, end_reason=reason),
                              execution_options={"synchronize_session": False}).rowcount


def open_count(user_id: int, now: dt.datetime, absolute: dt.timedelta) -> int:
    """How many sessions of the user still work (for the admin's staff page)."""
    return len(db.session.scalars(select(StaffSession.id).where(
        StaffSession.user_id == user_id, StaffSession.ended_at.is_(None),
        StaffSession.created_at > now - absolute)).all())
