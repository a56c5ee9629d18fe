"""Configuration read from the environment, with a TestConfig beside it."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
# where the development server keeps the random key it makes for itself when SECRET_KEY is unset
DEV_KEY_FILE = "secret_key"
MISSING_SECRET_KEY = (
    "SECRET_KEY is missing: set it to a long random value, e.g. "
    "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'). "
    "Only the development server (make run, flask run) makes a key of its own.")


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc


def key_list(raw: str | None) -> list[str]:
    """Keys given in one variable, separated by commas or white space (SECRET_KEY_FALLBACKS)."""
    return [key for key in (raw or "").replace(",", " ").split() if key]


def development_secret_key(instance_dir: Path) -> str:
    """The development server's own key: random, made once and kept in `instance_dir` (mode 0600), so
    that seller links and staff sessions survive a restart. Two processes starting at once (`make run`
    starts the server and the scheduler together) agree on one key: the file appears whole or not at
    all (written aside, then linked into place, which fails if it already exists)."""
    path = instance_dir / DEV_KEY_FILE
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    instance_dir.mkdir(parents=True, exist_ok=True)
    fd, aside = tempfile.mkstemp(prefix=f".{DEV_KEY_FILE}.", dir=instance_dir)  # mode 0600, a name of its own
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        pass  # another process was first: its key wins
    finally:
        os.unlink(aside)
    return path.read_text().strip()


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


def engine_options(url: str, statement_timeout: float = 0, lock_timeout: float = 0) -> dict:
    """SQLAlchemy engine options for `url`. On PostgreSQL, `statement_timeout` and `lock_timeout`
    (seconds; 0 for none) bound what one statement may take and wait for, so that a request stuck
    behind a long lock answers 503 before gunicorn kills its worker (which the client sees as a bare
    500). Long jobs of the command line lift them for their own transaction (db_setup.no_timeouts)."""
    # a database server may restart under the app: each pooled connection is tested before use.
    # An SQLite file has no server to lose, and the test would cost a query per request
    options: dict = {"pool_pre_ping": not url.startswith("sqlite")}
    if url.startswith("postgresql") and (statement_timeout or lock_timeout):
        settings = [f"-c {name}={int(seconds * 1000)}" for name, seconds in
                    (("statement_timeout", statement_timeout), ("lock_timeout", lock_timeout)) if seconds]
        options["connect_args"] = {"options": " ".join(settings)}
    return options


class Config:
    """Settings for a deployment, from environment variables with safe defaults."""

    def __init__(self) -> None:
        self.INSTANCE_DIR = str(INSTANCE_DIR)  # the development server's own key is kept here
        # None: create_app refuses to start, except the development server (see portal.secret_key)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or None
        # older keys still accepted while a new SECRET_KEY is rolled out (newest last; Flask 3.1's setting)
        self.SECRET_KEY_FALLBACKS = key_list(os.environ.get("SECRET_KEY_FALLBACKS"))
        self.SQLALCHEMY_DATABASE_URI = database_url()
        # PostgreSQL: a statement may run, and wait for locks, this many seconds (0: no limit); by
        # default a few seconds below gunicorn's WEB_TIMEOUT, so the request answers 503 itself
        web_timeout = _float("WEB_TIMEOUT", 60)
        self.DATABASE_STATEMENT_TIMEOUT = _float("DATABASE_STATEMENT_TIMEOUT", max(web_timeout - 5, 1))
        # SQLite: how long a write waits for another process's write lock before answering 503
        self.SQLITE_BUSY_TIMEOUT = _float("SQLITE_BUSY_TIMEOUT", min(30, max(web_timeout - 10, 1)))
        self.DATABASE_LOCK_TIMEOUT = _float("DATABASE_LOCK_TIMEOUT", min(10, self.DATABASE_STATEMENT_TIMEOUT))
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI, self.DATABASE_STATEMENT_TIMEOUT,
                                                        self.DATABASE_LOCK_TIMEOUT)
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
        # how much lower (nice, 0-19) the CPU priority of a streamed export is than the pages': on a busy
        # machine the pages and submissions go first and the export takes what is left (portal/ahead.py)
        self.EXPORT_NICE = min(19, max(0, int(_float("EXPORT_NICE", 10))))
        self.ROUTING_RULES_FILE = os.environ.get("ROUTING_RULES_FILE") or None
        # outbound HTTP (webhooks, notifications) may reach loopback, private and link-local addresses
        self.OUTBOUND_ALLOW_PRIVATE = os.environ.get("OUTBOUND_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")
        # this process's memory (portal/rate_limit_storage.py); redis://… to share one budget between processes
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "portal-memory://"
        self.RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX") or "portal"
        self.RATELIMIT_SELLER = os.environ.get("RATELIMIT_SELLER") or "20 per minute"
        # parcel status look-ups per seller (the form asks as they type): a budget apart from the posts'
        self.RATELIMIT_SELLER_LOOKUP = os.environ.get("RATELIMIT_SELLER_LOOKUP") or "60 per minute"
        # failed logins per client address, and per account: above what one address may try, so that no
        # single client can lock another person out
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN") or "10 per minute"
        self.RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT") or "30 per minute"
        # how many proxies in front set X-Forwarded-For/-Proto/-Host (0: the headers are ignored)
        self.TRUSTED_PROXIES = int(_float("TRUSTED_PROXIES", 0))
        self.RATELIMIT_STAFF_API = os.environ.get("RATELIMIT_STAFF_API") or "120 per minute"  # per API token
        # per integration token: each request may carry 1,000 parcel events
        self.RATELIMIT_CARRIER_API = os.environ.get("RATELIMIT_CARRIER_API") or "120 per minute"
        # no X-RateLimit-* headers on every limited response (and Flask-Limiter's Retry-After on a
        # successful 303 would ask a browser to wait before following it): a 429 alone says when to
        # try again (templating.http_error)
        self.RATELIMIT_HEADERS_ENABLED = False
        self.WTF_CSRF_TIME_LIMIT = None
        # a staff session ends this long after login whatever happens, and after this long unused
        self.PERMANENT_SESSION_LIFETIME = int(_float("SESSION_HOURS", 12) * 3600)
        self.SESSION_IDLE_MINUTES = _float("SESSION_IDLE_MINUTES", 60)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_BASE_URL.startswith("https://")
        self.PRODUCTION = os.environ.get("PORTAL_ENV", "").lower() == "production"
        # GET /metrics answers only this bearer token; unset, the page does not exist
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
        # closed or resolved tickets lose their attachments and contact phone this many days later
        self.PORTAL_RETENTION_DAYS = _days("PORTAL_RETENTION_DAYS")
        # seller notifications (services.seller_notify): the SMS/Zalo gateway's URL and the key of its
        # X-Portal-Signature; Web Push with a VAPID key pair (base64url) and a contact (mailto: or https:)
        self.SELLER_NOTIFY_URL = os.environ.get("SELLER_NOTIFY_URL") or None
        self.SELLER_NOTIFY_SECRET = os.environ.get("SELLER_NOTIFY_SECRET") or ""
        self.WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY") or None
        self.WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY") or None
        self.WEBPUSH_CONTACT = os.environ.get("WEBPUSH_CONTACT") or "mailto:support@example.com"
        # compressed responses (Flask-Compress): brotli or gzip at a low level, because the web workers are
        # CPU-bound and pages compress well even at level 1 (bench/compression.py); streamed responses (CSV
        # exports, attachments, static files) pass untouched, so they keep streaming from the first row
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_LEVEL = int(_float("COMPRESS_GZIP_LEVEL", 1))
        self.COMPRESS_BR_LEVEL = int(_float("COMPRESS_BR_LEVEL", 1))
        self.COMPRESS_STREAMS = False
        self.COMPRESS_MIN_SIZE = 500


class TestConfig(Config):
    """Isolated settings for the test suite: its own database and upload folder."""

    def __init__(self, database_uri: str, upload_dir: str) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_uri
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_uri, self.DATABASE_STATEMENT_TIMEOUT,
                                                        self.DATABASE_LOCK_TIMEOUT)
        self.UPLOAD_DIR = upload_dir
        self.REPORTS_DIR = str(Path(upload_dir).parent / "reports")
        self.PUBLIC_BASE_URL = "http://portal.test"
        self.OUTBOUND_ALLOW_PRIVATE = False  # whatever the shell says; tests that need it set it
        self.SLA_FIRST_RESPONSE_HOURS = 4
        self.SLA_AT_RISK_MINUTES = 60
        self.UPLOAD_MAX_MB = 1
        self.MAX_CONTENT_LENGTH = 6 * 1024 * 1024
        # limits stay on, high enough for the suite; the rate-limit tests lower them per request
        self.RATELIMIT_SELLER = "10000 per minute"
        self.RATELIMIT_SELLER_LOOKUP = "10000 per minute"
        self.RATELIMIT_LOGIN = "10000 per minute"
        self.RATELIMIT_LOGIN_ACCOUNT = "10000 per minute"
        self.RATELIMIT_STAFF_API = "10000 per minute"
        self.RATELIMIT_CARRIER_API = "10000 per minute"
        self.RATELIMIT_STORAGE_URI = "portal-memory://"
        self.SESSION_COOKIE_SECURE = False
        # no notifications unless a test sets them up
        self.SELLER_NOTIFY_URL = None
        self.SELLER_NOTIFY_SECRET = ""
        self.WEBPUSH_VAPID_PRIVATE_KEY = None
        self.WEBPUSH_VAPID_PUBLIC_KEY = None
