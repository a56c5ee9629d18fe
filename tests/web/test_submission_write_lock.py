"""A submission holds SQLite's write lock only while it writes: the link check reads in a
transaction of its own (db_setup.read_phase), so the lock is free while the form is parsed,
checked and routed, and another worker's submission can write in the meantime."""
from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

import forms.seller
from portal.db_setup import read_phase
from portal.extensions import db
from portal.models import Seller, Ticket


def _others_can_write(app) -> bool | None:
    """On SQLite: can another connection take the write lock right now, without waiting?
    None on other databases, which have no database-wide write lock."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_the_form_is_checked_without_the_write_lock(app, client, seller, demo, monkeypatch):
    seen = []
    validate = forms.seller.TicketForm.validate

    def validate_and_look(self, *args, **kwargs):
        seen.append(_others_can_write(app))  # the link was checked; nothing written yet
        return validate(self, *args, **kwargs)

    monkeypatch.setattr(forms.seller.TicketForm, "validate", validate_and_look)
    response = seller.submit(seller.link_path())
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
    sqlite = db.engine.dialect.name == "sqlite"
    assert seen == [True if sqlite else None]


def test_read_phase_ends_its_transaction_on_sqlite_and_keeps_what_it_loaded(app, demo):
    sqlite = db.engine.dialect.name == "sqlite"
    with app.test_request_context("/s/t/tickets", method="POST"):
        with read_phase():
            shop = db.session.scalar(sa.select(Seller).where(Seller.code == "DEMO-001"))
            # inside the block a POST's transaction reads without the write lock
            assert _others_can_write(app) in (True, None)
        assert db.session().in_transaction() is not sqlite
        assert _others_can_write(app) in (True, None)
        assert "code" in shop.__dict__  # not expired: read without another query
        # the next statement of the request starts the writing transaction, with the lock
        db.session.execute(sa.select(1))
        assert _others_can_write(app) is (False if sqlite else None)
        db.session.rollback()


def test_without_the_read_phase_a_post_holds_the_lock_from_its_first_read(app, demo):
    """What read_phase avoids, shown: the first statement of a POST takes SQLite's write lock."""
    with app.test_request_context("/s/t/tickets", method="POST"):
        db.session.scalar(sa.select(Seller).where(Seller.code == "DEMO-001"))
        assert _others_can_write(app) is (False if db.engine.dialect.name == "sqlite" else None)
        db.session.rollback()


def test_a_failed_read_phase_reports_its_own_error(app, demo):
    """The block commits only after reads that went well. After a failure (here the connection is
    gone, as when the database goes away), a commit would fail in turn and its error would hide
    the one that ended the block."""
    class LinkCheckFailed(Exception):
        pass

    with app.test_request_context("/s/t/tickets", method="POST"):
        with pytest.raises(LinkCheckFailed):
            with read_phase():
                db.session.execute(sa.select(1))
                db.session.connection().connection.dbapi_connection.close()
                raise LinkCheckFailed
        db.session.connection().invalidate()
        db.session.rollback()
