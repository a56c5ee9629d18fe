"""The outbox's listeners: on the portal's session, registered once by create_app, and on no other
SQLAlchemy session of the process."""
from __future__ import annotations

from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.services import outbox
from portal.services.outbox import _PENDING


def test_the_listeners_are_on_the_portals_session_only_and_once(app):
    for name, listener in outbox._LISTENERS:
        assert event.contains(db.session, name, listener)
        assert not event.contains(Session, name, listener)
    outbox.init_app(app)  # a second app (one per test) adds nothing
    assert list(db.session().dispatch.before_commit).count(outbox._write_announcements) == 1


def test_an_unrelated_session_commits_without_the_outbox():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        # what announce_ticket leaves for the portal's session: another session never writes it
        session.info[_PENDING] = [("not a ticket", "ticket_created", None)]
        session.execute(text("SELECT 1"))
        session.commit()
        assert session.info[_PENDING]
