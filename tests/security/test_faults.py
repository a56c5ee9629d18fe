"""Faults answer 503 with Retry-After, never a bare 500, and store nothing: a database another
process holds locked (SQLite's write lock past the busy timeout; on PostgreSQL a table lock past the
lock timeout) on every write path, an upload folder that cannot be written or a disk that takes only
part of a file; /healthz says the database cannot be written to."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import resource
import signal
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal import config as portal_config
from portal import create_app
from portal.extensions import db
from portal.models import Attachment, AuditEvent, Message, Seller, Ticket, WebhookEndpoint
from portal.services import api_tokens, links, sellers
from tests import factories
from tests.clients import AuthActions, FreshGClient, SellerActions, csrf_from

WAIT = 0.4  # seconds a write waits for the lock in these tests (production: SQLITE_BUSY_TIMEOUT, DATABASE_LOCK_TIMEOUT)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def impatient(app, demo, database_url, tmp_path):
    """The portal on the same database, waiting only WAIT seconds for a lock held elsewhere. Its
    requests run in app contexts of their own, as in production (the test reads through `app`'s)."""
    config = portal_config.TestConfig(database_url, str(tmp_path / "uploads"))
    config.SQLITE_BUSY_TIMEOUT = config.DATABASE_LOCK_TIMEOUT = WAIT
    config.SQLALCHEMY_ENGINE_OPTIONS = portal_config.engine_options(database_url, 5, WAIT)
    fresh = create_app(config)
    fresh.test_client_class = FreshGClient
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


@contextlib.contextmanager
def held_elsewhere(url: str):
    """Another process's long write: SQLite's one write lock, or on PostgreSQL every table locked."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        other = sqlite3.connect(parsed.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        other = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        other.execute(f"LOCK TABLE {tables}, scheduler_heartbeats IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        other.rollback() if hasattr(other, "rollback") and not isinstance(other, sqlite3.Connection) \
            else other.execute("ROLLBACK")
        other.close()


def counts() -> dict[str, int]:
    """Rows per table; the test's own transaction ends at once (outside a request it would take
    SQLite's write lock, see db_setup)."""
    db.session.rollback()
    found = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
             for model in (Ticket, Message, Seller, AuditEvent, WebhookEndpoint, Attachment)}
    db.session.rollback()
    return found


def assert_unavailable(response, json: bool = False) -> None:
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True)[:300])
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    if json:
        assert response.get_json()["error"]["status"] == 503
    else:
        assert "briefly unavailable" in response.get_data(as_text=True)


def test_every_write_path_answers_503_while_another_process_holds_the_database(impatient, database_url, now):
    reference = factories.ticket(now).reference
    seller = SellerActions(impatient.test_client(), impatient)
    seller.client.set_cookie("lang", "en")
    link = seller.link_path()
    staff_token, _row = api_tokens.issue(api_tokens.user_by_email("admin@demo.test"), "sync", actor="test", now=now)
    db.session.rollback()  # outside a request the test's own reads would hold SQLite's write lock
    seller_form = seller.form(link)
    staff = impatient.test_client()
    staff.set_cookie("lang", "en")
    assert AuthActions(staff).login("admin@demo.test").status_code == 303
    staff_csrf = csrf_from(staff.get(f"/tickets/{reference}").get_data(as_text=True))
    admin_csrf = csrf_from(staff.get("/admin/sellers").get_data(as_text=True))
    seller_token = link.rsplit("/", 1)[1]
    api = impatient.test_client()
    before = counts()
    with held_elsewhere(database_url):
        assert_unavailable(seller.post_form(link, seller_form))
        assert_unavailable(api.post("/api/v1/tickets", json={"category": "finance", "description": "Chưa nhận COD",
                                                             "tracking_numbers": []},
                                    headers={"Authorization": f"Bearer {seller_token}"}), json=True)
        assert_unavailable(staff.post(f"/tickets/{reference}/reply",
                                      data={"csrf_token": staff_csrf, "body": "Chúng tôi đang kiểm tra."}))
        assert_unavailable(api.post(f"/api/v1/staff/tickets/{reference}/replies", json={"body": "Đã rõ."},
                                    headers={"Authorization": f"Bearer {staff_token}"}), json=True)
        assert_unavailable(staff.post("/admin/sellers", data={"csrf_token": admin_csrf, "code": "NEW-1",
                                                              "name": "Shop Mới", "locale": "vi"}))
        health = impatient.test_client().get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "locked"
    assert counts() == before
    assert impatient.test_client().get("/healthz").get_json()["database"] == "ok"
    assert seller.post_form(link, seller_form).status_code == 303  # and the same form goes through afterwards


def test_the_scheduler_leaves_one_line_and_runs_again(impatient, database_url, caplog):
    from portal import scheduler

    db.session.rollback()
    with held_elsewhere(database_url), caplog.at_level(logging.WARNING, "portal.scheduler"):
        scheduler.sweep_job(impatient)
        scheduler.webhooks_job(impatient)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["sla sweep", "webhooks"]
    assert all("tried again at the next run" in r.getMessage() for r in caplog.records)
    scheduler.sweep_job(impatient)


def test_timeouts_reach_the_database_connection(app):
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == int(app.config["SQLITE_BUSY_TIMEOUT"] * 1000)
        else:
            shown = {name: connection.exec_driver_sql(f"SHOW {name}").scalar()
                     for name in ("statement_timeout", "lock_timeout")}
            assert shown == {"statement_timeout": f"{int(app.config['DATABASE_STATEMENT_TIMEOUT'])}s",
                             "lock_timeout": f"{int(app.config['DATABASE_LOCK_TIMEOUT'])}s"}


def test_the_default_timeouts_sit_below_gunicorns(monkeypatch):
    for name in ("DATABASE_STATEMENT_TIMEOUT", "DATABASE_LOCK_TIMEOUT", "SQLITE_BUSY_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEB_TIMEOUT", "60")
    monkeypatch.setenv("DATABASE_URL", "postgresql://portal@db/portal")
    config = portal_config.Config()
    assert config.DATABASE_STATEMENT_TIMEOUT == 55 and config.DATABASE_LOCK_TIMEOUT == 10
    assert config.SQLITE_BUSY_TIMEOUT == 30
    assert config.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] == {"options": "-c statement_timeout=55000 "
                                                                           "-c lock_timeout=10000"}
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT", "0")
    assert "connect_args" not in portal_config.Config().SQLALCHEMY_ENGINE_OPTIONS


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_an_unwritable_upload_folder_answers_503_and_stores_nothing(app, demo, seller, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    app.config["UPLOAD_DIR"] = str(blocker / "uploads")
    app.extensions.pop("portal.runtime", None)
    before = counts()
    response = seller.submit(seller.link_path(), attachments=[(__import__("io").BytesIO(PNG), "shot.png")])
    assert response.status_code == 503 and "could not be stored" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1
    assert counts() == before


@contextlib.contextmanager
def disk_full_at(limit: int):
    """Files of this process cannot grow past `limit` bytes (RLIMIT_FSIZE): a write stops part way
    and fails, as on a full disk, instead of killing the process (SIGXFSZ ignored)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _room_for_the_database(tmp_path: Path) -> int:
    """A limit above every database file the tests write, so that only the upload meets it."""
    files = [p for p in Path(tmp_path).parents[1].rglob("*.sqlite3*") if p.is_file()]
    return max((p.stat().st_size for p in files), default=0) + 4 * 1024 * 1024


def test_a_file_the_disk_takes_only_part_of_leaves_no_part_behind(tmp_path):
    from portal.services import uploads
    from portal.services.errors import StorageUnavailable

    limit = 256 * 1024
    upload = uploads.Upload("big.png", "image/png", PNG + b"\x00" * (2 * limit))
    with disk_full_at(limit), pytest.raises(StorageUnavailable, match="File too large"):
        uploads.store(upload, str(tmp_path / "uploads"))
    assert _files(tmp_path / "uploads") == []
    assert uploads.store(upload, str(tmp_path / "uploads"))  # with room again, it is written whole


def test_a_full_disk_while_an_upload_arrives_answers_503_and_stores_nothing(app, demo, seller, tmp_path, monkeypatch):
    from werkzeug.test import EnvironBuilder

    uploads = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(uploads)
    limit = _room_for_the_database(tmp_path)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_MB", limit // (1024 * 1024) + 4)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", limit + 8 * 1024 * 1024)
    app.extensions.pop("portal.runtime", None)
    link = seller.link_path()
    data = {**seller.form(link), "category": "delivery_delay", "tracking_numbers": "NVDEMO00001",
            "description": "Ảnh chụp đơn hàng.", "attachments": [(__import__("io").BytesIO(
                PNG + b"\x00" * (limit + 1024 * 1024)), "big.png")]}
    # the request is built before the disk fills: the test client would spool it to disk too
    environ = EnvironBuilder(path=f"{link}/tickets", method="POST", data=data).get_environ()
    before = counts()
    with disk_full_at(limit):
        response = seller.client.open(environ)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert "could not be stored" in response.get_data(as_text=True)
    assert _files(uploads) == [] and counts() == before
    assert seller.post_form(link, seller.form(link)).status_code == 303  # the portal goes on as before


def test_healthz_says_ok_with_a_writable_database(client, demo):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok" and response.get_json()["database"] == "ok"
    # the probe's row was rolled back
    from portal.models import SchedulerHeartbeat
    assert db.session.get(SchedulerHeartbeat, "healthz-probe") is None
    assert dt.datetime.now(dt.UTC)  # the clock is untouched


def test_a_link_for_a_seller_reads_fine_under_the_lock_on_sqlite_only_writes_wait(impatient, database_url):
    """Reading needs no write lock on SQLite (WAL): sellers still see their page while another process
    writes. On PostgreSQL every table is locked here, so the page answers 503 like any other."""
    seller = sellers.by_code("DEMO-001")
    path = f"/s/{links.link_token(seller, impatient.config['SECRET_KEY'])}"
    db.session.rollback()
    with held_elsewhere(database_url):
        response = impatient.test_client().get(path)
    expected = 200 if db.engine.dialect.name == "sqlite" else 503
    assert response.status_code == expected
