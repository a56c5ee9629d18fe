"""The order-issue resolution portal: application factory."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import MISSING_SECRET_KEY, Config, development_secret_key


class DatabaseIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _install_secret_key(app: Flask) -> None:
    """No key lives in the code. Without SECRET_KEY only the `flask` command line (the development
    server `flask run`, and the commands beside it that sign links with the same key) may start, with
    a random key of its own kept under instance/; anything else (gunicorn, any WSGI server) refuses,
    and so does every process when PORTAL_ENV=production."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("PRODUCTION") or click.get_current_context(silent=True) is None:
        raise RuntimeError(MISSING_SECRET_KEY)
    app.config["SECRET_KEY"] = development_secret_key(Path(app.config["INSTANCE_DIR"]))


def create_app(config: object | None = None) -> Flask:
    """Build the Flask app. Starts no scheduler and touches no data: that is the CLI's job."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates",
                static_folder="../static")
    app.config.from_object(config or Config())
    _install_secret_key(app)
    if app.config.get("TRUSTED_PROXIES"):
        # the client's address, scheme and host as the proxies in front saw them (nothing else may
        # set them): what login limits count and what the links and redirects name
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import db_setup, extensions, models, sessions  # noqa: F401  (models register their tables)

    extensions.db.init_app(app)
    from .services import outbox, seller_notify
    outbox.init_app(app)
    seller_notify.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(app.root_path + "/../migrations"))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.compress.init_app(app)
    db_setup.init_app(app)
    sessions.init_app(app)

    from .admin import bp as admin_bp
    from .api.views import bp as api_bp
    from .auth import init_app as init_auth
    from .cli import register as register_cli
    from .faults import init_app as init_faults
    from .health import bp as health_bp
    from .i18n import init_app as init_i18n
    from .inbox.views import bp as inbox_bp
    from .observability import init_app as init_observability
    from .reports.views import bp as reports_bp
    from .seller.status import bp as seller_status_bp
    from .seller.views import bp as seller_bp
    from .templating import init_app as init_templating

    # ids in URLs are database integers: anything larger is simply not found (404), never an overflow
    app.url_map.converters["int"] = DatabaseIntConverter
    init_auth(app)
    init_i18n(app)
    init_templating(app)
    init_faults(app)
    init_observability(app)
    # browsers ask for it on every site: the portal's icon, not a 404 in every log
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    app.register_blueprint(health_bp)
    app.register_blueprint(seller_bp)
    app.register_blueprint(seller_status_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    register_cli(app)
    from .metrics import init_app as init_metrics
    init_metrics(app)
    return app
