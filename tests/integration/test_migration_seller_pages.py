"""Migration 0017 up and down on the suite's database (SQLite or PostgreSQL): existing tickets take
their latest public staff reply from the messages and count as seen up to it (an upgrade marks no
old ticket new), internal notes and the seller's own messages do not count, and the search index's
triggers survive on SQLite (the columns are added, the table is not copied)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests import factories

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _utc(value: dt.datetime | str) -> dt.datetime:
    """A stored instant as naive UTC: SQLite gives naive UTC text, PostgreSQL an instant in the session's zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("tickets")}


def test_seen_markers_up_and_down(app, demo):
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    answered = factories.ticket(T0)
    factories.message(answered, "Lần đầu", by=agent, now=T0 + dt.timedelta(minutes=10))
    factories.message(answered, "Lần hai", by=agent, now=T0 + dt.timedelta(minutes=40))
    factories.message(answered, "Ghi chú", by=agent, internal=True, now=T0 + dt.timedelta(minutes=50))
    factories.message(answered, "Cảm ơn", now=T0 + dt.timedelta(minutes=60))
    noted = factories.ticket(T0 + dt.timedelta(minutes=1))
    factories.message(noted, "Chỉ ghi chú", by=agent, internal=True, now=T0 + dt.timedelta(minutes=5))
    ids = (answered.id, noted.id)
    db.session.remove()  # no transaction of the test may hold the table while it is altered
    try:
        downgrade(revision="0016")
        assert {"last_staff_reply_at", "seller_seen_at"}.isdisjoint(_columns())
        upgrade()
        with db.engine.connect() as conn:
            found = {row.id: (row.last_staff_reply_at, row.seller_seen_at) for row in conn.execute(sa.text(
                "SELECT id, last_staff_reply_at, seller_seen_at FROM tickets WHERE id IN (:a, :b)"),
                {"a": ids[0], "b": ids[1]})}
            triggers = (conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
                        if conn.dialect.name == "sqlite" else None)
        latest = (T0 + dt.timedelta(minutes=40)).replace(tzinfo=None)
        for at in found[ids[0]]:
            assert at is not None and _utc(at) == latest
        assert found[ids[1]] == (None, None)
        if triggers is not None:
            assert {"tickets_search_insert", "tickets_search_update", "tickets_search_delete"} <= set(triggers)
    finally:
        upgrade()  # the rest of the suite runs on the newest schema
