"""The one clock the portal reads. Services and the pure cores take `now` as a parameter; views,
commands, jobs and column defaults get it here."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)
