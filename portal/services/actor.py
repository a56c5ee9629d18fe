"""Who makes a change, as the audit trail and the ticket history name them."""
from __future__ import annotations

from ..models import User

# the signed-in user, or a label such as "cli"
Actor = User | str


def actor_fields(actor: Actor) -> dict:
    """The keyword arguments naming `actor` in audit.record and history.record."""
    return {"actor": actor} if isinstance(actor, User) else {"actor_label": actor}
