"""A seller's request that a team lead look at a ticket: one per ticket, kept for the record and
counted in reports per department."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .people import User

MAX_REASON = 500


class LeadRequest(db.Model):
    """The seller asked for someone who decides. `lead_user_id` is the lead named to the seller
    (the first of the department's leads when asked); every lead of the department was notified."""

    __tablename__ = "lead_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    lead_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    # why it was offered: "breached" or "reopened"
    trigger: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lead: Mapped[User | None] = relationship(lazy="joined")
    __table_args__ = (Index("ix_lead_requests_department_created", "department_id", "created_at"),)
