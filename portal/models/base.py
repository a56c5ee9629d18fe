"""What every table shares: the roles, the conditions of the partial indexes,
and the UTC instant column type."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from vocabulary import OPEN_STATUSES, ROLES, sql_in  # noqa: F401 - ROLES: portal.models re-exports it

# Conditions of the SLA sweep's partial indexes: only tickets still waiting for a first response
# are in them, so a sweep costs what is near or past due, not what is in the database.
_WAITING = f"first_responded_at IS NULL AND {sql_in('status', OPEN_STATUSES)}"
SWEEP_AT_RISK = f"{_WAITING} AND at_risk_marked_at IS NULL"
MERGED = "merged_into_id IS NOT NULL"
SWEEP_BREACH = f"{_WAITING} AND breached_at IS NULL"
SWEEP_ESCALATE = f"{_WAITING} AND manager_escalated_at IS NULL"
# condition of the inbox's partial indexes (migration 0009)
OPEN_TICKET = sql_in("status", OPEN_STATUSES)


class UTCDateTime(TypeDecorator):
    """A UTC instant: aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
