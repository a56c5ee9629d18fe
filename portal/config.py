"""Configuration read from the environment, with a TestConfig beside it."""
from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def _days(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return None
    if not raw.strip().isdigit() or int(raw) < 1:
        raise RuntimeError(f"{name} must be a whole number of days (1 or more), got {raw!r}")
    return int(raw)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    # plain postgresql:// would pick psycopg2, which we do not ship
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def engine_options(url: str) -> dict:
    # a database server may restart under the app: each pooled connection is tested before use.
    # An SQLite file has no server to lose, and the test would cost a query per request
    return {"pool_pre_ping": not url.startswith("sqlite")}


class Config:
    """Settings for a deployment, from environment variables with safe defaults."""

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.PUBLIC_BASE_URL = (os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.PORTAL_TIMEZONE = os.environ.get("PORTAL_TIMEZONE") or "Asia/Ho_Chi_Minh"
        # language of pages when neither the visitor, the seller nor the browser chose one (vi or en)
        self.PORTAL_DEFAULT_LOCALE = os.environ.get("PORTAL_DEFAULT_LOCALE") or "en"
        self.SLA_FIRST_RESPONSE_HOURS = _float("SLA_FIRST_RESPONSE_HOURS", 4)
        self.SLA_AT_RISK_MINUTES = _float("SLA_AT_RISK_MINUTES", 60)
        self.SLA_MANAGER_ESCALATION_MINUTES = _float("SLA_MANAGER_ESCALATION_MINUTES", 120)
        self.SLA_BUMP_PRIORITY_ON_BREACH = os.environ.get("SLA_BUMP_PRIORITY_ON_BREACH", "").lower() in ("1", "true",
                                                                                                           "yes")
        self.UPLOAD_MAX_MB = _float("UPLOAD_MAX_MB", 10)
        self.UPLOAD_MAX_FILES = int(_float("UPLOAD_MAX_FILES", 5))
        # the whole request may carry several files plus the form fields
        self.MAX_CONTENT_LENGTH = int((self.UPLOAD_MAX_MB * self.UPLOAD_MAX_FILES + 1) * 1024 * 1024)
        self.UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
        self.REPORTS_DIR = os.environ.get("REPORTS_DIR") or str(INSTANCE_DIR / "reports")
        self.ROUTING_RULES_FILE = os.environ.get("ROUTING_RULES_FILE") or None
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX") or "portal"
        self.RATELIMIT_SELLER = os.environ.get("RATELIMIT_SELLER") or "20 per minute"
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN") or "10 per minute"
        self.RATELIMIT_STAFF_API = os.environ.get("RATELIMIT_STAFF_API") or "120 per minute"  # per API token
        # no X-RateLimit-* headers on every limited response (and Flask-Limiter's Retry-After on a
        # successful 303 would ask a browser to wait before following it): a 429 alone says when to
        # try again (templating.http_error)
        self.RATELIMIT_HEADERS_ENABLED = False
        self.WTF_CSRF_TIME_LIMIT = None
        self.PERMANENT_SESSION_LIFETIME = int(_float("SESSION_HOURS", 12) * 3600)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_BASE_URL.startswith("https://")
        self.PRODUCTION = os.environ.get("PORTAL_ENV", "").lower() == "production"
        # GET /metrics answers only this bearer token; unset, the page does not exist
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
        # closed or resolved tickets lose their attachments and contact phone this many days later
        self.PORTAL_RETENTION_DAYS = _days("PORTAL_RETENTION_DAYS")


class TestConfig(Config):
    """Isolated settings for the test suite: its own database and upload folder."""

    def __init__(self, database_uri: str, upload_dir: str) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_uri
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_uri)
        self.UPLOAD_DIR = upload_dir
        self.REPORTS_DIR = str(Path(upload_dir).parent / "reports")
        self.PUBLIC_BASE_URL = "http://portal.test"
        self.SLA_FIRST_RESPONSE_HOURS = 4
        self.SLA_AT_RISK_MINUTES = 60
        self.UPLOAD_MAX_MB = 1
        self.MAX_CONTENT_LENGTH = 6 * 1024 * 1024
        # limits stay on, high enough for the suite; the rate-limit tests lower them per request
        self.RATELIMIT_SELLER = "10000 per minute"
        self.RATELIMIT_LOGIN = "10000 per minute"
        self.RATELIMIT_STAFF_API = "10000 per minute"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SESSION_COOKIE_SECURE = False
