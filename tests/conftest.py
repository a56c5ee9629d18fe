"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL says so), a fresh set of tables per test, clients and helpers."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.clients import AuthActions, FreshGClient, SellerActions

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        kind = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        item.add_marker(getattr(pytest.mark, kind))
        if kind == "load":
            item.add_marker(pytest.mark.serial)
    # a test of SQLite's own behaviour (its one write lock, its query plans) is not collected for a
    # PostgreSQL run at all: deselected, not skipped, since nothing may skip in CI
    if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        sqlite_only = [item for item in items if item.get_closest_marker("sqlite_only")]
        if sqlite_only:
            config.hook.pytest_deselected(items=sqlite_only)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]


def pytest_sessionfinish(session, exitstatus):
    # in CI nothing may skip: a skipped test there means a missing install step
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run in CI", red=True)
        session.exitstatus = 1


def _ensure_pg_database(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1… when the suite runs in parallel
        if worker:
            import sqlalchemy as sa
            parsed = sa.engine.make_url(url)
            url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
        _ensure_pg_database(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"


@pytest.fixture(scope="session")
def _migrated(database_url, tmp_path_factory):
    """The schema built once per session through the real migrations."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import TestConfig

    app = create_app(TestConfig(database_url, str(tmp_path_factory.mktemp("uploads"))))
    with app.app_context():
        if database_url.startswith("postgresql"):
            from portal.extensions import db
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
    return app


@pytest.fixture
def app(_migrated, tmp_path):
    from portal.extensions import db

    app = _migrated
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["REPORTS_DIR"] = str(tmp_path / "reports")
    app.config.update(RATELIMIT_SELLER="10000 per minute", RATELIMIT_LOGIN="10000 per minute",
                      RATELIMIT_LOGIN_ACCOUNT="10000 per minute",
                      RATELIMIT_STAFF_API="10000 per minute")
    for key in [key for key in app.extensions if key.startswith("portal.")]:
        app.extensions.pop(key)  # caches of the previous test's data
    with app.app_context():
        _clean(db)
        yield app
        db.session.remove()


def _clean(db) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for name in tables:
                conn.exec_driver_sql(f"DELETE FROM {name}")


@pytest.fixture
def client(app):
    """A browser that chose English (pages otherwise follow the seller's locale, often Vietnamese);
    tests of the languages themselves take a fresh `app.test_client()`."""
    app.test_client_class = FreshGClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def demo(app, now):
    """Demo departments, staff and sellers (no sample tickets)."""
    from portal.extensions import db
    from portal.models import Attachment, Event, Message, Notification, Ticket, TicketTracking
    from portal.services import demo as demo_service
    from portal.services.runtime import runtime

    demo_service.load_demo(now, runtime())
    # sample tickets would disturb counts in tests: start each test with none
    for model in (Notification, Event, Attachment, Message, TicketTracking):
        db.session.query(model).delete()
    db.session.query(Ticket).update({Ticket.merged_into_id: None})
    db.session.query(Ticket).delete()
    db.session.commit()
    return demo_service


@pytest.fixture
def seller(client, app):
    return SellerActions(client, app)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def dns(app):
    """The app's resolver for this test: names under example.com resolve to PUBLIC_ADDRESS (so
    endpoints that are only enqueued to can be added); tests add their own names."""
    from portal import outbound
    from tests.outbound_helpers import PUBLIC_ADDRESS, TableResolver

    resolver = TableResolver({".example.com": PUBLIC_ADDRESS})
    app.extensions[outbound.RESOLVER_EXTENSION] = resolver
    yield resolver
    app.extensions.pop(outbound.RESOLVER_EXTENSION, None)
