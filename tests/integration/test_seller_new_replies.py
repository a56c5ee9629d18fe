"""Tickets with a public staff reply the seller has not opened are marked new on the seller's list,
through the test client on the suite's database (SQLite or PostgreSQL): never for an internal note
or the seller's own message, cleared by opening the ticket's page, which writes only then, in a
transaction of its own that waits its turn for SQLite's write lock; and the list reads the seller's
index in order."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Ticket, User
from tests import factories

AGENT = "agent1.delivery@demo.test"


def agent() -> User:
    return db.session.scalar(select(User).where(User.email == AGENT))


def rows(html: str) -> dict[str, str]:
    """Each row of a ticket list by reference: its text, tags taken out."""
    found = re.findall(r'<li><a href="[^"]*/tickets/([^"]+)">(.*?)</li>', html, flags=re.S)
    return {ref: " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split()) for ref, body in found}


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def writes(app):
    """The statements sent to the database while the test runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        sent.append(" ".join(statement.split())[:80])

    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_public_staff_reply_marks_the_ticket_new_until_the_seller_opens_it(client, demo, seller, now):
    path = seller.link_path()
    answered = factories.ticket(now - dt.timedelta(hours=2), description="Đơn NV1 chưa lấy")
    quiet = factories.ticket(now - dt.timedelta(hours=1), description="Đơn NV2 chưa lấy")
    assert "New reply" not in page_of(client, path)

    factories.message(answered, "Hub Bắc Ninh đang quá tải", by=agent(), internal=True, now=now)
    assert "New reply" not in page_of(client, path), "an internal note is not a reply to the seller"

    factories.message(answered, "Chúng tôi đã liên hệ bưu cục.", by=agent(), now=now + dt.timedelta(minutes=1))
    for url in (path, f"{path}/tickets"):
        listed = rows(page_of(client, url))
        assert "New reply" in listed[answered.reference] and "New reply" not in listed[quiet.reference]

    ticket_page = page_of(client, f"{path}/tickets/{answered.reference}")
    assert "Chúng tôi đã liên hệ bưu cục." in ticket_page
    for url in (path, f"{path}/tickets"):
        assert "New reply" not in page_of(client, url), "opened: no longer new"

    factories.message(answered, "Đã lấy hàng xong.", by=agent(), now=now + dt.timedelta(minutes=5))
    assert "New reply" in rows(page_of(client, path))[answered.reference], "a later reply is new again"


def test_the_sellers_own_reply_does_not_mark_a_ticket_new(client, demo, seller, now):
    path = seller.link_path()
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    factories.message(ticket, "Tôi gửi thêm ảnh", now=now)
    assert "New reply" not in page_of(client, path)


def test_opening_a_ticket_writes_only_when_a_reply_is_new(client, demo, seller, now, writes):
    path = seller.link_path()
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    url = f"{path}/tickets/{ticket.reference}"
    db.session.commit()
    writes.clear()
    page_of(client, url)
    assert not [s for s in writes if s.startswith("UPDATE")], "nothing new: the page only reads"

    factories.message(ticket, "Đã liên hệ bưu cục", by=agent(), now=now)
    db.session.commit()
    writes.clear()
    page_of(client, url)
    updates = [i for i, s in enumerate(writes) if s.startswith("UPDATE")]
    assert len(updates) == 1 and writes[updates[0]].startswith("UPDATE tickets SET seller_seen_at")
    if db.engine.dialect.name == "sqlite":  # the marker's transaction takes the write lock up front
        begun = [s for s in writes[:updates[0]] if s.startswith("BEGIN")]
        assert begun[-1] == "BEGIN IMMEDIATE", writes
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert stored.seller_seen_at is not None and stored.seller_seen_at >= stored.last_staff_reply_at

    writes.clear()
    page_of(client, url)
    assert not [s for s in writes if s.startswith("UPDATE")], "seen already: a read again"


@pytest.mark.sqlite_only
def test_a_seen_marker_waits_its_turn_for_sqlites_write_lock(client, demo, seller, now):
    """Another writer holds SQLite's write lock while the seller opens a ticket with a new reply, and
    commits a change meanwhile: the marker's own writing transaction waits for it and then writes (a
    read transaction that went on to write would fail with "database is locked" instead)."""
    url = sa.engine.make_url(client.application.config["SQLALCHEMY_DATABASE_URI"])
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    factories.message(ticket, "Đã liên hệ bưu cục", by=agent(), now=now)
    page, ticket_id = f"{seller.link_path()}/tickets/{ticket.reference}", ticket.id
    db.session.commit()
    other = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE tickets SET priority = 'high' WHERE id = ?", (ticket_id,))

    def commit_later():
        time.sleep(0.5)
        other.execute("COMMIT")

    writer = threading.Thread(target=commit_later)
    started = time.monotonic()
    writer.start()
    try:
        assert client.get(page).status_code == 200
    finally:
        writer.join()
        other.close()
    assert time.monotonic() - started >= 0.5
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket_id)
    assert stored.priority == "high" and stored.seller_seen_at == stored.last_staff_reply_at


@pytest.mark.sqlite_only
def test_a_seen_marker_that_cannot_be_written_leaves_the_page_working(app, demo, database_url, tmp_path, now):
    """The write lock stays taken elsewhere for longer than a write waits: the seller still reads the
    ticket (WAL reads need no lock), the reply stays new, and the next visit marks it."""
    from portal import config as portal_config
    from portal import create_app
    from portal.services import links, sellers
    from tests.clients import FreshGClient

    url = sa.engine.make_url(database_url)
    config = portal_config.TestConfig(database_url, str(tmp_path / "uploads"))
    config.SQLITE_BUSY_TIMEOUT = config.DATABASE_LOCK_TIMEOUT = 0.3
    impatient = create_app(config)
    impatient.test_client_class = FreshGClient
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    factories.message(ticket, "Đã liên hệ bưu cục", by=agent(), now=now)
    page = f"/s/{links.link_token(sellers.by_code('DEMO-001'), impatient.config['SECRET_KEY'])}/tickets/" \
           f"{ticket.reference}"
    ticket_id = ticket.id
    db.session.commit()
    other = sqlite3.connect(url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = impatient.test_client().get(page)
    finally:
        other.execute("ROLLBACK")
        other.close()
    try:
        assert response.status_code == 200 and "Đã liên hệ bưu cục" in response.get_data(as_text=True)
        assert db.session.get(Ticket, ticket_id).seller_seen_at is None
        db.session.rollback()  # outside a request the test's own read took the write lock (db_setup)
        assert impatient.test_client().get(page).status_code == 200
        db.session.expire_all()
        assert db.session.get(Ticket, ticket_id).seller_seen_at is not None
    finally:
        with impatient.app_context():
            db.engine.dispose()


@pytest.mark.sqlite_only
def test_the_lists_read_the_sellers_index_in_order(client, demo, seller, now):
    """The home page and every direction of paging read ix_tickets_seller_created in its order: no
    scan of the tickets, no sort (SQLite's plan; PostgreSQL plans by its statistics)."""
    made = [factories.ticket(now - dt.timedelta(minutes=40 - i), category="other", tracking=()).reference
            for i in range(35)]
    listed: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, params, _context, _many):
        if statement.lstrip().startswith("SELECT") and "ORDER BY tickets.created_at" in statement:
            listed.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        path = seller.link_path()
        for url in (path, f"{path}/tickets", f"{path}/tickets?before={made[5]}", f"{path}/tickets?after={made[5]}"):
            page_of(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(listed) == 4
    raw = db.engine.raw_connection()
    try:
        for statement, params in listed:
            plan = " | ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall())
            assert "USING INDEX ix_tickets_seller_created" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        raw.close()
