"""Who works and who asks: departments, staff accounts with their sessions and API tokens, sellers."""
from __future__ import annotations

import datetime as dt
import json

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db
from .base import UTCDateTime

user_departments = Table(
    "user_departments", db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)


class Department(db.Model):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_vi: Mapped[str | None] = mapped_column(String(120))
    # JSON of sla.calendar_to_dict; NULL means open 24/7
    calendar_json: Mapped[str | None] = mapped_column(Text)

    @property
    def calendar_data(self) -> dict | None:
        return json.loads(self.calendar_json) if self.calendar_json else None


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the user's assigned tickets that are new, open or waiting on the seller: kept by the database's
    # triggers (portal/agent_loads.py, migration 0020), read by routing; the code never writes it
    open_tickets: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    departments: Mapped[list[Department]] = relationship(secondary=user_departments, lazy="selectin")
    __table_args__ = (CheckConstraint("role IN ('agent', 'lead', 'manager', 'admin')", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def sees_all_departments(self) -> bool:
        return self.role in ("manager", "admin")

    # the key of the staff session this object was loaded for (services.staff_sessions): what
    # Flask-Login keeps in the cookie, so that ending the session on the server ends it for good
    session_key = None

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("a user is logged in through services.staff_sessions.start")
        return self.session_key


class StaffSession(db.Model):
    """One login of a staff member. The cookie carries a random key whose SHA-256 is stored here;
    the session works while its row is not ended and younger than the absolute lifetime. Logout,
    a password change, a deactivation or a role change end rows, so copied cookies stop working."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout, password, deactivated, role
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    user: Mapped[User] = relationship(lazy="joined")
    __table_args__ = (Index("ix_staff_sessions_user", "user_id", "ended_at"),)


class ApiToken(db.Model):
    """A staff member's personal API token. Only its SHA-256 is stored; the token itself is shown
    once, when an admin issues it. Revoked tokens stay for the record."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # what it is for, e.g. "ERP sync"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to recognise it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="system")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class Seller(db.Model):
    __tablename__ = "sellers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")
    # bumped by revocation: every link signed with an older version stops working
    link_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # set by `sellers forget`: name and phone are blank since then, the tickets stay (anonymous)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the seller's switch on the link page: off, no notification is written for them (any channel)
    notify_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
