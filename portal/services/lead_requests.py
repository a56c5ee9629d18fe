"""A line to someone who decides: after a breach, or once the seller has reopened a ticket a second
time, the seller may ask the department's team lead to look, once per ticket. The leads hear at once
(the bell and the `lead_requested` webhook), the history records it, and the seller sees who follows."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Event, LeadRequest, Notification, Ticket, User, user_departments
from ..models.leads import MAX_REASON
from . import history
from .errors import Conflict, InvalidInput
from .outbox import Outbox
from .runtime import Runtime

BREACHED, REOPENED = "breached", "reopened"
# the reopening that opens the line: a seller who had to reopen once may still be on the way to an answer
REOPENS_NEEDED = 2
WEBHOOK_KIND = "lead_requested"


def reopen_count(ticket: Ticket) -> int:
    """How many times the seller reopened the ticket: their replies to a resolved ticket, as the
    history records them (status_changed with reopened set)."""
    rows = db.session.scalars(select(Event.data_json).where(Event.ticket_id == ticket.id,
                                                            Event.kind == "status_changed"))
    return sum(1 for data in rows if json.loads(data or "{}").get("reopened"))


def trigger(ticket: Ticket) -> str | None:
    """Why the seller may ask a lead now (BREACHED, REOPENED), or None: never on a closed or merged
    ticket, where there is nothing left to decide."""
    if ticket.status == "closed" or ticket.merged_into_id is not None:
        return None
    if ticket.breached_at is not None:
        return BREACHED
    if reopen_count(ticket) >= REOPENS_NEEDED:
        return REOPENED
    return None


def for_ticket(ticket: Ticket) -> LeadRequest | None:
    """The ticket's lead request, if the seller made one."""
    return db.session.scalar(select(LeadRequest).where(LeadRequest.ticket_id == ticket.id))


@dataclass(frozen=True)
class SellerView:
    """What the seller's ticket page shows: the request made, or whether (and why) it is offered."""

    request: LeadRequest | None
    trigger: str | None

    @property
    def offered(self) -> bool:
        return self.request is None and self.trigger is not None


def seller_view(ticket: Ticket) -> SellerView:
    """The request made on the ticket, or the offer to make one."""
    made = for_ticket(ticket)
    return SellerView(made, None if made is not None else trigger(ticket))


def leads_of(department_id: int) -> list[User]:
    """The department's active leads, by name."""
    return list(db.session.scalars(
        select(User).join(user_departments, user_departments.c.user_id == User.id)
        .where(user_departments.c.department_id == department_id, User.role == "lead", User.active.is_(True))
        .order_by(User.name, User.id)))


def _managers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "manager", User.active.is_(True))
                                   .order_by(User.name, User.id)))


def _check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_l("Say in a few words what is still wrong."),
                           {"reason": [_l("Say in a few words what is still wrong.")]})
    if len(text) > MAX_REASON:
        raise InvalidInput(_l("Please keep this under %(limit)s characters (now %(length)s).", limit=MAX_REASON,
                              length=len(text)), {"reason": [_l("Too long.")]})
    return text


def _payload(ticket: Ticket, request: LeadRequest, notified: list[User], rt: Runtime) -> dict:
    return {
        "text": f"{ticket.reference}: the seller asks a team lead to look",
        "ticket": {"reference": ticket.reference, "seller_code": ticket.seller.code,
                   "department": ticket.department.code, "category": ticket.category, "priority": ticket.priority,
                   "status": ticket.status, "first_response_due_at": ticket.first_response_due_at.isoformat(),
                   "url": f"{rt.public_base_url}/tickets/{ticket.reference}"},
        "lead_request": {"reason": request.reason, "trigger": request.trigger,
                         "requested_at": request.created_at.isoformat(),
                         "notified": [user.email for user in notified]},
    }


def request_lead(ticket: Ticket, reason: str, *, now: dt.datetime, rt: Runtime) -> LeadRequest:
    """Record the seller's request that a team lead look at the ticket, committed with what it sets
    off: a bell notification for each of the department's active leads (its managers when it has
    none), a `lead_requested` webhook delivery per subscribed endpoint, and a history entry. Refused
    (Conflict) a second time, and unless the ticket breached its promise or was reopened twice."""
    text = _check_reason(reason)
    if for_ticket(ticket) is not None:
        raise Conflict(_l("You have already asked a team lead to look at this ticket."))
    why = trigger(ticket)
    if why is None:
        raise Conflict(_l("A team lead can be asked once a ticket is late or had to be reopened twice."))
    leads = leads_of(ticket.department_id)
    notified = leads or _managers()
    request = LeadRequest(ticket_id=ticket.id, department_id=ticket.department_id,
                          lead_user_id=leads[0].id if leads else None, reason=text, trigger=why, created_at=now)
    try:
        db.session.add(request)
        db.session.flush()
        # the reason itself stays in its one row (and the webhook's payload), which `sellers forget` erases
        history.record(ticket, "lead_requested", now, actor_label=f"seller {ticket.seller.code}", trigger=why,
                       notified=[user.id for user in notified])
        note = f"{ticket.reference}: the seller asks a team lead to look"
        db.session.add_all([Notification(user_id=user.id, ticket_id=ticket.id, kind=WEBHOOK_KIND, text=note,
                                         created_at=now) for user in notified])
        Outbox(now).add(WEBHOOK_KIND, [(ticket.id, _payload(ticket, request, notified, rt))])
        ticket.updated_at = now
        db.session.commit()
    except IntegrityError:  # the same request sent twice at once: the first one stands
        db.session.rollback()
        raise Conflict(_l("You have already asked a team lead to look at this ticket.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return request


def lead_name(request: LeadRequest) -> str | None:
    """The name of the lead named to the seller, if the department had one."""
    return request.lead.name if request.lead is not None else None
