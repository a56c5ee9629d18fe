"""A submission holds SQLite's write lock only while it writes: the link's signature is checked
without the database, and its seller is read in the writing transaction, after the form was parsed,
checked and routed (seller.views.current_seller), so another worker's submission can write in the
meantime. One transaction per submission, on every database."""
from __future__ import annotations

import functools
import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy import event

import forms.seller
from portal.extensions import db
from portal.models import Seller, Ticket
from tests.clients import seller_browser


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


@pytest.mark.parametrize("language_cookie", [True, False])
def test_the_form_is_checked_without_the_write_lock(app, demo, monkeypatch, language_cookie):
    """Also without a language cookie, when the page's language would follow the seller's own: the
    form is built and checked before the language is needed, so before the seller is read."""
    seller = seller_browser(app, "en" if language_cookie else None)
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


def test_a_submission_is_one_transaction(app, seller, demo):
    path = seller.link_path()
    form = seller.form(path)
    db.session.commit()  # the test's own reads
    seen: list[str] = []
    listeners = {name: functools.partial(lambda kind, *_a: seen.append(kind), name)
                 for name in ("begin", "commit", "rollback")}
    for name, fn in listeners.items():
        event.listen(db.engine, name, fn)
    try:
        response = seller.post_form(path, form)
    finally:
        for name, fn in listeners.items():
            event.remove(db.engine, name, fn)
    assert response.status_code == 303
    assert seen == ["begin", "commit"]


def test_a_revoked_link_is_refused_when_the_submission_writes(app, seller, demo, runner):
    path = seller.link_path("DEMO-003")
    form = seller.form(path)
    assert runner.invoke(args=["sellers", "revoke", "DEMO-003"]).exit_code == 0
    assert seller.post_form(path, form).status_code == 410
    # a refused form on that link is refused for the link first
    assert seller.post_form(path, form, description="").status_code == 410
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_a_refused_form_speaks_the_sellers_language(app, demo):
    """The page's language may follow the seller's own, though a submission reads its seller only
    after checking the form: a message the check words at once (WTForms' own, for a choice not on
    the list) already reads the seller to know the language."""
    shop = db.session.scalar(sa.select(Seller).where(Seller.code == "DEMO-001"))
    shop.locale = "vi"
    db.session.commit()
    actions = seller_browser(app)  # no language cookie, no Accept-Language
    path = actions.link_path()
    page = actions.submit(path, category="no-such-choice", description="")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'lang="vi"' in html and "Lựa chọn không hợp lệ." in html


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_database_failure_while_reading_the_seller_answers_503(app, demo, monkeypatch, method):
    """The page's language may follow the seller's, so an error page may ask for the seller again:
    when the database failed, that must not turn the clean 503 into a 500."""
    actions = seller_browser(app)  # no language cookie: the language would follow the seller
    path = actions.link_path()
    form = actions.form(path)

    def down(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT sellers", {}, Exception("server closed the connection"))

    monkeypatch.setattr("portal.services.links.seller_of_link", down)
    page = actions.client.get(path) if method == "GET" else actions.post_form(path, form)
    assert page.status_code == 503 and page.headers["Retry-After"]


def test_a_database_lost_while_writing_answers_503_in_the_browsers_language(app, demo, monkeypatch):
    """The write fails after the seller was read: the rollback expires the seller, and the error
    page, which asks for the language first then, must not read the seller again from a database
    that is gone."""
    actions = seller_browser(app)  # no language cookie: the language would follow the seller
    path = actions.link_path()
    form = actions.form(path)
    gone = []

    def refuse(*_args, **_kwargs):
        if gone:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    def create_then_lose_the_database(*_args, **_kwargs):
        db.session.rollback()  # what create_ticket does when its write fails
        gone.append(True)
        raise sa.exc.OperationalError("INSERT INTO tickets", {}, Exception("server closed the connection"))

    monkeypatch.setattr("portal.services.tickets.create_ticket", create_then_lose_the_database)
    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        page = actions.post_form(path, form)
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert page.status_code == 503 and "briefly unavailable" in page.get_data(as_text=True)
