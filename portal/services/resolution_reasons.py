"""Resolution reasons: the list the admin keeps (add, rename, switch off; audited) and the check
staff resolving goes through. A reason is never deleted: tickets resolved for it keep its label."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..clock import utcnow
from ..extensions import db
from ..models import SEED_REASONS, ResolutionReason
from ..models.reasons import MAX_CODE, MAX_LABEL
from . import audit
from .actor import Actor, actor_fields
from .errors import InvalidInput, NotFound

CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _snapshot(reason: ResolutionReason) -> dict:
    return {"code": reason.code, "label_en": reason.label_en, "label_vi": reason.label_vi,
            "active": bool(reason.active), "sort_order": reason.sort_order}


def label(reason: ResolutionReason, locale: str | None = None) -> str:
    """The reason's label in `locale` (the page's language when None): Vietnamese or English."""
    locale = locale or str(get_locale() or "en")
    return reason.label_vi if locale == "vi" and reason.label_vi else reason.label_en


def all_reasons() -> list[ResolutionReason]:
    """Every reason, switched off ones too, in the admin's order."""
    return list(db.session.scalars(select(ResolutionReason).order_by(ResolutionReason.sort_order,
                                                                      ResolutionReason.id)))


def choices() -> list[tuple[str, str]]:
    """(code, label in the page's language) of the reasons staff may pick now, in the admin's order."""
    return [(r.code, label(r)) for r in all_reasons() if r.active]


def labels(locale: str | None = None) -> dict[str, str]:
    """Code -> label of every reason, switched off ones too (old tickets keep theirs)."""
    return {r.code: label(r, locale) for r in all_reasons()}


def ensure_seeded() -> int:
    """Add the starting reasons that are missing (by code); returns how many were added. The
    caller commits."""
    known = set(db.session.scalars(select(ResolutionReason.code)))
    added = 0
    for n, (code, en, vi) in enumerate(SEED_REASONS, start=1):
        if code not in known:
            db.session.add(ResolutionReason(code=code, label_en=en, label_vi=vi, active=True, sort_order=n * 10))
            added += 1
    db.session.flush()
    return added


def check(status: str, code: str | None, *, required: bool) -> ResolutionReason | None:
    """The reason to store with a move to `status`: None when the move is not to resolved and no
    reason is given. InvalidInput (field "reason") for a missing one when `required` and the ticket
    is being resolved, and for a code that is unknown or switched off."""
    code = (code or "").strip()
    if not code:
        if required and status == "resolved":
            message = _l("Choose why the ticket is resolved.")
            raise InvalidInput(message, {"reason": [message]})
        return None
    found = db.session.scalar(select(ResolutionReason).where(ResolutionReason.code == code,
                                                             ResolutionReason.active.is_(True)))
    if found is None:
        message = _l("Choose a resolution reason from the list.")
        raise InvalidInput(message, {"reason": [message]})
    return found


def _labels_checked(label_en: str, label_vi: str, errors: dict[str, list]) -> tuple[str, str]:
    label_en, label_vi = (label_en or "").strip(), (label_vi or "").strip()
    if not label_en or len(label_en) > MAX_LABEL:
        errors["label_en"] = [_l("Give the English label (at most %(max)s characters).", max=MAX_LABEL)]
    if not label_vi or len(label_vi) > MAX_LABEL:
        errors["label_vi"] = [_l("Give the Vietnamese label (at most %(max)s characters).", max=MAX_LABEL)]
    return label_en, label_vi


def _refuse(errors: dict[str, list]) -> None:
    if errors:
        db.session.rollback()
        raise InvalidInput("; ".join(str(v[0]) for v in errors.values()), errors)


def add(code: str, label_en: str, label_vi: str, *, actor: Actor = "system",
        now: dt.datetime | None = None) -> ResolutionReason:
    """A new reason at the end of the list, audited as reason.added. Commits; InvalidInput for a code
    that is not lower-case letters, digits and _, or is taken, and for an empty or too long label."""
    code = (code or "").strip().lower()
    errors: dict[str, list] = {}
    if not CODE.match(code) or len(code) > MAX_CODE:
        errors["code"] = [_l("Use lower-case letters, digits and _ (at most %(max)s).", max=MAX_CODE)]
    elif db.session.scalar(select(ResolutionReason.id).where(ResolutionReason.code == code)):
        errors["code"] = [_l("There is already a reason with this code.")]
    label_en, label_vi = _labels_checked(label_en, label_vi, errors)
    _refuse(errors)
    last = db.session.scalar(select(func.max(ResolutionReason.sort_order))) or 0
    reason = ResolutionReason(code=code, label_en=label_en, label_vi=label_vi, active=True, sort_order=last + 10)
    db.session.add(reason)
    audit.record("reason.added", "resolution_reason", code, before=None, after=_snapshot(reason),
                 now=now or utcnow(), **actor_fields(actor))
    db.session.commit()
    return reason


def _get(reason_id: int) -> ResolutionReason:
    reason = db.session.get(ResolutionReason, reason_id)
    if reason is None:
        raise NotFound(_l("No such resolution reason."))
    return reason


def rename(reason_id: int, label_en: str, label_vi: str, *, actor: Actor = "system",
           now: dt.datetime | None = None) -> ResolutionReason:
    """New labels for a reason (its code stays: tickets hold it), audited as reason.renamed. Commits."""
    reason = _get(reason_id)
    errors: dict[str, list] = {}
    label_en, label_vi = _labels_checked(label_en, label_vi, errors)
    _refuse(errors)
    before = _snapshot(reason)
    reason.label_en, reason.label_vi = label_en, label_vi
    if before != _snapshot(reason):
        audit.record("reason.renamed", "resolution_reason", reason.code, before=before, after=_snapshot(reason),
                     now=now or utcnow(), **actor_fields(actor))
    db.session.commit()
    return reason


def set_active(reason_id: int, active: bool, *, actor: Actor = "system",
               now: dt.datetime | None = None) -> ResolutionReason:
    """Offer a reason to staff again, or stop offering it (never deleted), audited as
    reason.switched_on/off. Commits."""
    reason = _get(reason_id)
    before = _snapshot(reason)
    reason.active = active
    if before["active"] != active:
        audit.record("reason.switched_on" if active else "reason.switched_off", "resolution_reason", reason.code,
                     before=before, after=_snapshot(reason), now=now or utcnow(), **actor_fields(actor))
    db.session.commit()
    return reason
