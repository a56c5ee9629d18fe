"""Settings the services need, built once per app from its configuration."""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app

import routing
import sla


@dataclass(frozen=True)
class Runtime:
    timezone: ZoneInfo
    policy: sla.Policy
    ruleset: routing.RuleSet
    upload_dir: str
    upload_max_bytes: int
    upload_max_files: int
    secret_key: str
    public_base_url: str


def runtime() -> Runtime:
    """The current app's Runtime (cached on the app; rebuilt when the rules are reloaded)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("portal.runtime")
    if cached is None:
        cfg = app.config
        cached = Runtime(
            timezone=ZoneInfo(cfg["PORTAL_TIMEZONE"]),
            policy=sla.Policy.from_settings(cfg["SLA_FIRST_RESPONSE_HOURS"], cfg["SLA_AT_RISK_MINUTES"]),
            ruleset=routing.load_rules(cfg.get("ROUTING_RULES_FILE")),
            upload_dir=cfg["UPLOAD_DIR"],
            upload_max_bytes=int(cfg["UPLOAD_MAX_MB"] * 1024 * 1024),
            upload_max_files=cfg["UPLOAD_MAX_FILES"],
            secret_key=cfg["SECRET_KEY"],
            public_base_url=cfg["PUBLIC_BASE_URL"],
        )
        app.extensions["portal.runtime"] = cached
    return cached


@functools.lru_cache(maxsize=64)
def calendar_for(calendar_json: str | None) -> sla.Calendar:
    """The business calendar a department's stored JSON describes (24/7 when unset)."""
    return sla.calendar_from_dict(json.loads(calendar_json) if calendar_json else None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
