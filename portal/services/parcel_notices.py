"""Telling the agent when a parcel a seller waits for is delivered: a `delivered` event that becomes
the parcel's status, on an open delivery-delay ticket about it, writes a `parcel_delivered` entry
in the ticket's history and an in-app notification to its assignee (or, unassigned, to the
department's staff), once per ticket and tracking number. The ticket stays as it is: the agent
decides whether the seller's question is answered."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import select

from normalize.feed import FeedEvent
from vocabulary import OPEN_STATUSES

from ..extensions import db
from ..models import Event, Notification, Ticket, TicketTracking, User, user_departments
from . import history

KIND = "parcel_delivered"
CATEGORY = "delivery_delay"
ACTOR = "carrier"


def _told(ticket_ids: list[int]) -> set[tuple[int, str]]:
    """(ticket, tracking number) pairs already told of a delivery."""
    rows = db.session.execute(select(Event.ticket_id, Event.data_json)
                              .where(Event.ticket_id.in_(ticket_ids), Event.kind == KIND))
    return {(ticket_id, json.loads(data or "{}").get("tracking_number")) for ticket_id, data in rows}


def _recipients(ticket: Ticket, staff: dict[int, list[int]]) -> list[int]:
    if ticket.assignee is not None and ticket.assignee.active:
        return [ticket.assignee.id]
    if ticket.department_id not in staff:
        staff[ticket.department_id] = list(db.session.scalars(
            select(User.id).join(user_departments, user_departments.c.user_id == User.id)
            .where(user_departments.c.department_id == ticket.department_id, User.active.is_(True))
            .order_by(User.id)))
    return staff[ticket.department_id]


def delivered(events: Sequence[FeedEvent], now: dt.datetime) -> int:
    """Point out each parcel of `events` (delivered events that became their parcel's status) on the
    open delivery-delay tickets about it; in the caller's transaction. Returns how many tickets."""
    by_number = {e.tracking_number: e for e in events}
    if not by_number:
        return 0
    rows = db.session.execute(
        select(Ticket, TicketTracking.tracking_number).join(TicketTracking, TicketTracking.ticket_id == Ticket.id)
        .where(TicketTracking.tracking_number.in_(list(by_number)), Ticket.category == CATEGORY,
               Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id, TicketTracking.tracking_number)).all()
    if not rows:
        return 0
    told = _told(sorted({ticket.id for ticket, _number in rows}))
    staff: dict[int, list[int]] = {}
    noticed = 0
    for ticket, number in rows:
        if (ticket.id, number) in told:
            continue
        told.add((ticket.id, number))
        event = by_number[number]
        users = _recipients(ticket, staff)
        history.record(ticket, KIND, now, actor_label=ACTOR, tracking_number=number,
                       occurred_at=event.occurred_at, event=event.event, notified=users)
        db.session.add_all([Notification(user_id=u, ticket_id=ticket.id, kind=KIND, created_at=now,
                                         text=f"{ticket.reference}: parcel {number} was delivered "
                                              f"({event.event or 'delivered'}); check whether the ticket "
                                              "is answered") for u in users])
        noticed += 1
    return noticed
