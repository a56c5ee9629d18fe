"""Staff API tokens: issued by an administrator, shown once, stored only as a SHA-256, revocable.

A token looks like `pst_` followed by 43 URL-safe characters, so it is recognisable in a config file
or a leaked log. Issuing and revoking are audited; the audit never holds the token or its hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import ApiToken, IntegrationToken, User
from . import audit
from .actor import Actor, actor_fields
from .errors import Conflict, InvalidInput, NotFound

TOKEN_PREFIX = "pst_"
PREFIX_SHOWN = 12  # "pst_" and the first 8 random characters: enough to tell tokens apart
NAME_MAX = 120
TOKEN_MAX = 200  # anything longer is not one of ours; no need to hash it
# last_used_at is a hint for administrators, not a log: one write per token per minute at most
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    """The hex SHA-256 of a token: what the database keeps."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def snapshot(row: ApiToken) -> dict:
    """What the audit keeps of a token: who and what for, never the token or its hash."""
    return {"id": row.id, "user": row.user.email if row.user else None, "name": row.name, "prefix": row.prefix,
            "revoked": row.revoked_at is not None}


def _label(row: ApiToken) -> str:
    return f"{row.user.email}: {row.name}"


def _actor_label(actor: Actor) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def issue(user: User, name: str, *, actor: Actor, now: dt.datetime) -> tuple[str, ApiToken]:
    """A new token for an active staff member, committed with its audit event (api_token.issued).
    Returns the token itself, which is never stored and so can be shown only this once, and the row."""
    name = (name or "").strip()
    if not name:
        message = _l("Say what the token is for.")
        raise InvalidInput(message, {"name": [message]})
    if len(name) > NAME_MAX:
        raise InvalidInput(_l("The name may have at most %(max)s characters.", max=NAME_MAX),
                           {"name": [_l("At most %(max)s characters.", max=NAME_MAX)]})
    if not user.active:
        raise InvalidInput(_l("%(email)s is deactivated; tokens are for active staff.", email=user.email),
                           {"user": [_l("This account is deactivated.")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(raw), prefix=raw[:PREFIX_SHOWN],
                   created_at=now, created_by=_actor_label(actor))
    db.session.add(row)
    db.session.flush()
    db.session.refresh(row)
    audit.record("api_token.issued", "api_token", _label(row), before=None, after=snapshot(row), now=now,
                 **actor_fields(actor))
    db.session.commit()
    return raw, row


def revoke(token_id: int, *, actor: Actor, now: dt.datetime) -> ApiToken:
    """Stop a token from working, committed with its audit event (api_token.revoked). The row stays
    for the record. NotFound for an unknown id, Conflict when it was already revoked."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_l("No API token %(id)s.", id=token_id))
    if row.revoked_at is not None:
        raise Conflict(_l("Token %(prefix)s… (%(name)s) was already revoked.", prefix=row.prefix, name=row.name))
    before = snapshot(row)
    row.revoked_at = now
    audit.record("api_token.revoked", "api_token", _label(row), before=before, after=snapshot(row), now=now,
                 **actor_fields(actor))
    db.session.commit()
    return row


def authenticate(raw: str, *, now: dt.datetime) -> ApiToken | None:
    """The token row when `raw` is a token that was issued, is not revoked and belongs to an active
    staff member (its `user` is the caller); None otherwise. Notes the use at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > TOKEN_MAX:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    note_use(ApiToken, row, now)
    return row


def note_use(model: type[ApiToken] | type[IntegrationToken], row, now: dt.datetime) -> None:
    """Record a token's use at most once per LAST_USED_RESOLUTION (a busy token would otherwise write on
    every request), for staff API tokens and integration tokens alike. Commits when it writes."""
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        # conditional, so concurrent requests of one token write once between them
        db.session.execute(update(model).where(
            model.id == row.id,
            or_(model.last_used_at.is_(None), model.last_used_at <= now - LAST_USED_RESOLUTION),
        ).values(last_used_at=now).execution_options(synchronize_session=False))
        db.session.commit()


def tokens() -> list[ApiToken]:
    """Every token, active ones first, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def holders() -> list[User]:
    """Active staff who may be given a token, by name."""
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id)))


def user_by_email(email: str) -> User:
    """The staff account with this e-mail (any case), or NotFound."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        raise NotFound(_l("No staff member %(email)s.", email=email),
                       {"user": [_l("No staff member with this e-mail.")]})
    return user
