"""Integration tokens: what a carrier's system posts parcel events with (POST /api/v1/shipments/events).

Made by `integrations token --name` or in /admin, shown once, stored only as a SHA-256, revocable.
A token looks like `pit_` followed by 43 URL-safe characters. Making and revoking are audited; the
audit never holds the token or its hash.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import IntegrationToken, User
from . import audit
from .actor import Actor, actor_fields
from .api_tokens import NAME_MAX, TOKEN_MAX, note_use, token_hash
from .errors import Conflict, InvalidInput, NotFound

TOKEN_PREFIX = "pit_"
PREFIX_SHOWN = 12  # "pit_" and the first 8 random characters: enough to tell tokens apart


def snapshot(row: IntegrationToken) -> dict:
    """What the audit keeps of a token: its name and prefix, never the token or its hash."""
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "revoked": row.revoked_at is not None}


def _actor_label(actor: Actor) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def issue(name: str, *, actor: Actor, now: dt.datetime) -> tuple[str, IntegrationToken]:
    """A new integration token, committed with its audit event (integration_token.issued). Returns
    the token itself, which is never stored and so can be shown only this once, and the row."""
    name = (name or "").strip()
    if not name:
        message = _l("Say what the token is for.")
        raise InvalidInput(message, {"name": [message]})
    if len(name) > NAME_MAX:
        raise InvalidInput(_l("The name may have at most %(max)s characters.", max=NAME_MAX),
                           {"name": [_l("At most %(max)s characters.", max=NAME_MAX)]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = IntegrationToken(name=name, token_hash=token_hash(raw), prefix=raw[:PREFIX_SHOWN], created_at=now,
                           created_by=_actor_label(actor))
    db.session.add(row)
    db.session.flush()
    audit.record("integration_token.issued", "integration_token", row.name, before=None, after=snapshot(row),
                 now=now, **actor_fields(actor))
    db.session.commit()
    return raw, row


def revoke(token_id: int, *, actor: Actor, now: dt.datetime) -> IntegrationToken:
    """Stop a token from working, committed with its audit event (integration_token.revoked). The row
    stays for the record. NotFound for an unknown id, Conflict when it was already revoked."""
    row = db.session.get(IntegrationToken, token_id)
    if row is None:
        raise NotFound(_l("No integration token %(id)s.", id=token_id))
    if row.revoked_at is not None:
        raise Conflict(_l("Token %(prefix)s… (%(name)s) was already revoked.", prefix=row.prefix, name=row.name))
    before = snapshot(row)
    row.revoked_at = now
    audit.record("integration_token.revoked", "integration_token", row.name, before=before, after=snapshot(row),
                 now=now, **actor_fields(actor))
    db.session.commit()
    return row


def authenticate(raw: str, *, now: dt.datetime) -> IntegrationToken | None:
    """The token row when `raw` is an integration token that was issued and is not revoked; None
    otherwise. Notes the use at most once a minute (committed at once: a hint, not a log)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > TOKEN_MAX:
        return None
    row = db.session.scalar(select(IntegrationToken).where(IntegrationToken.token_hash == token_hash(raw)))
    if row is None or row.revoked_at is not None:
        return None
    note_use(IntegrationToken, row, now)
    return row


def tokens() -> list[IntegrationToken]:
    """Every integration token, active ones first, newest first."""
    return list(db.session.scalars(select(IntegrationToken).order_by(IntegrationToken.revoked_at.is_not(None),
                                                                      IntegrationToken.id.desc())))
