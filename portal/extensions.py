"""Flask extensions, created unbound and hooked up in create_app."""
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from . import rate_limit_storage  # noqa: F401  (memory:// storage: one expiry thread per process)

# stable constraint names so Alembic migrations work the same on SQLite and PostgreSQL
naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
db = SQLAlchemy(metadata=MetaData(naming_convention=naming))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class DecoratedLimiter(Limiter):
    """Flask-Limiter, where every limit is set by a decorator on the view it limits (seller posts,
    login, the staff API). Flask-Limiter also checks each request before any view for default,
    application-wide and blueprint limits; the portal sets none, so that check found nothing on
    every page and is skipped. The decorators check their own limits as before. (A limit put on a
    blueprint would be checked only there: tests/web/test_rate_limits.py says so if one appears.)"""

    def init_app(self, app: Flask) -> None:
        unused = [name for name in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")
                  if app.config.get(name)]
        if unused:
            raise RuntimeError(f"{', '.join(unused)}: the portal sets its rate limits on its views only")
        super().init_app(app)

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if not in_middleware:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


limiter = DecoratedLimiter(key_func=get_remote_address)
