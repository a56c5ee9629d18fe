"""Bulk actions from the inbox: the single-ticket actions applied to several tickets."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import User
from . import inbox, resolution_reasons, staff_actions
from .errors import InvalidInput, PortalError

ACTIONS = ("assign", "status", "transfer")
MAX_TICKETS = 200


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)

    def summary(self) -> str:
        if not self.failed:
            return _("%(count)s ticket(s) updated", count=len(self.done))
        return _("%(count)s ticket(s) updated; not changed: %(failures)s", count=len(self.done),
                 failures="; ".join(f"{ref}: {why}" for ref, why in self.failed[:10]))


def apply(user: User, references: list[str], action: str, value: str, reason: str, *,
          now: dt.datetime, resolution_reason: str | None = None) -> BulkResult:
    """Apply one action to each ticket the user may see; each ticket commits on its own, and
    refusals (unknown or foreign reference, forbidden transition) are reported per ticket.
    Resolving needs `resolution_reason` (a reason's code): without one, or with an unknown one,
    InvalidInput before any ticket is touched."""
    if action not in ACTIONS:
        raise InvalidInput(_l("Choose assign, status or transfer."), {"action": [_l("Unknown action.")]})
    references = list(dict.fromkeys(r.strip() for r in references if r.strip()))
    if not references:
        raise InvalidInput(_l("Select at least one ticket."), {"refs": [_l("Nothing selected.")]})
    if len(references) > MAX_TICKETS:
        raise InvalidInput(_l("At most %(max)s tickets at once.", max=MAX_TICKETS), {"refs": [_l("Too many.")]})
    if action == "status":
        resolution_reasons.check(value, resolution_reason, required=True)
    result = BulkResult()
    for reference in references:
        ticket = inbox.staff_ticket(user, reference)
        if ticket is None:
            result.failed.append((reference, _("not found in your departments")))
            continue
        try:
            if action == "assign":
                staff_actions.assign(ticket, user, value, now=now)
            elif action == "status":
                staff_actions.change_status(ticket, user, value, now=now, reason=resolution_reason,
                                            require_reason=True)
            else:
                staff_actions.transfer(ticket, user, value, reason, now=now)
            result.done.append(reference)
        except PortalError as exc:
            db.session.rollback()
            result.failed.append((reference, exc.message))
    return result
