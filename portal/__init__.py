"""The order-issue resolution portal: application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import DEV_SECRET_KEY, Config


class DatabaseIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: object | None = None) -> Flask:
    """Build the Flask app. Starts no scheduler and touches no data: that is the CLI's job."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates",
                static_folder="../static")
    app.config.from_object(config or Config())
    if app.config.get("PRODUCTION") and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set in production")

    from . import db_setup, extensions, models, multipart, sessions  # noqa: F401  (models register their tables)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(app.root_path + "/../migrations"))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    db_setup.init_app(app)
    multipart.init_app(app)
    sessions.init_app(app)

    from .admin import bp as admin_bp
    from .api.views import bp as api_bp
    from .auth import init_app as init_auth
    from .cli import register as register_cli
    from .health import bp as health_bp
    from .i18n import init_app as init_i18n
    from .inbox.views import bp as inbox_bp
    from .observability import init_app as init_observability
    from .reports.views import bp as reports_bp
    from .seller.views import bp as seller_bp
    from .templating import init_app as init_templating

    # ids in URLs are database integers: anything larger is simply not found (404), never an overflow
    app.url_map.converters["int"] = DatabaseIntConverter
    init_auth(app)
    init_i18n(app)
    init_templating(app)
    init_observability(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(seller_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    register_cli(app)
    from .metrics import init_app as init_metrics
    init_metrics(app)
    return app
