"""Helpers shared by the SLA modules for handling instants."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["UTC", "to_utc"]


def to_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` as a UTC datetime; raise ``ValueError`` when it is naive, ``TypeError`` when not a datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)
