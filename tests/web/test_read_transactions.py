"""A request that only read ends its transaction with COMMIT, not ROLLBACK (db_setup.end_reads):
psycopg drops every prepared statement of a PostgreSQL connection at a ROLLBACK, so pages that
ended with one kept the server parsing and planning the same statements over and over."""
from __future__ import annotations

import pytest
from flask import Response
from sqlalchemy import event, select

from portal.db_setup import end_reads
from portal.extensions import db
from portal.models import Seller


@pytest.fixture
def endings(app):
    seen: list[str] = []

    def commit(_conn):
        seen.append("commit")

    def rollback(_conn):
        seen.append("rollback")

    event.listen(db.engine, "commit", commit)
    event.listen(db.engine, "rollback", rollback)
    yield seen
    event.remove(db.engine, "commit", commit)
    event.remove(db.engine, "rollback", rollback)


def test_a_seller_page_ends_its_reads_with_commit(client, demo, seller, endings):
    path = seller.link_path()
    db.session.commit()  # the test's own read of the link
    endings.clear()
    assert client.get(path).status_code == 200
    assert client.get(path + "/tickets").status_code == 200
    assert endings == ["commit", "commit"]


def test_an_error_page_rolls_back(client, demo, seller, endings):
    path = seller.link_path()
    db.session.commit()
    endings.clear()
    assert client.get(path + "/tickets/T-0000-0000").status_code == 404
    assert "commit" not in endings


def test_unsaved_changes_are_not_committed_by_a_read(app, demo):
    with app.test_request_context("/"):
        seller = db.session.scalar(select(Seller).where(Seller.code == "DEMO-001"))
        seller.name = changed = "Changed by a page that should not write"
        end_reads(Response("ok"))
        assert db.session().in_transaction() and seller in db.session.dirty
        db.session.rollback()
    assert db.session.scalar(select(Seller.name).where(Seller.code == "DEMO-001")) != changed


def test_a_streamed_response_keeps_its_transaction(app, demo):
    with app.test_request_context("/"):
        db.session.scalar(select(Seller.id).limit(1))
        end_reads(Response(iter([b"a", b"b"])))
        assert db.session().in_transaction()
        db.session.rollback()


def test_a_write_request_is_left_alone(app, demo):
    with app.test_request_context("/", method="POST"):
        db.session.scalar(select(Seller.id).limit(1))
        end_reads(Response("ok"))
        assert db.session().in_transaction()
        db.session.rollback()
