"""Settings the services need, built once per app from its configuration."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app

import routing
import sla

from ..clock import utcnow  # noqa: F401  (the clock views and commands read, as runtime.utcnow)
from . import routing_rules


@dataclass(frozen=True)
class Runtime:
    timezone: ZoneInfo
    policy: sla.Policy
    upload_dir: str
    upload_max_bytes: int
    upload_max_files: int
    secret_key: str
    public_base_url: str
    # keys that still open links signed before a rotation (SECRET_KEY_FALLBACKS), oldest first
    secret_key_fallbacks: tuple[str, ...] = ()

    @property
    def link_keys(self) -> tuple[str, ...]:
        """Every key a seller link may be signed with, the current one last (it signs new links)."""
        return (*self.secret_key_fallbacks, self.secret_key)

    @property
    def ruleset(self) -> routing.RuleSet:
        """The routing rules new tickets use now: the newest saved version, else the rules file's.
        Cached in this process (see services.routing_rules), so reading it per ticket is cheap."""
        return routing_rules.active_ruleset()


def runtime() -> Runtime:
    """The current app's Runtime (cached on the app; rebuilding it also re-reads the routing rules file)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("portal.runtime")
    if cached is None:
        cfg = app.config
        cached = Runtime(
            timezone=ZoneInfo(cfg["PORTAL_TIMEZONE"]),
            policy=sla.Policy.from_settings(cfg["SLA_FIRST_RESPONSE_HOURS"], cfg["SLA_AT_RISK_MINUTES"]),
            upload_dir=cfg["UPLOAD_DIR"],
            upload_max_bytes=int(cfg["UPLOAD_MAX_MB"] * 1024 * 1024),
            upload_max_files=cfg["UPLOAD_MAX_FILES"],
            secret_key=cfg["SECRET_KEY"],
            public_base_url=cfg["PUBLIC_BASE_URL"],
            secret_key_fallbacks=tuple(cfg.get("SECRET_KEY_FALLBACKS") or ()),
        )
        routing_rules.reset(app)  # reads the rules file now, so a bad ROUTING_RULES_FILE fails early
        app.extensions["portal.runtime"] = cached
    return cached


@functools.lru_cache(maxsize=64)
def calendar_for(calendar_json: str | None) -> sla.Calendar:
    """The business calendar a department's stored JSON describes (24/7 when unset)."""
    return sla.calendar_from_dict(json.loads(calendar_json) if calendar_json else None)
