"""Migration 0019 up and down on the suite's database (SQLite or PostgreSQL): the reasons table comes
seeded with both labels, tickets get a resolution_reason column (existing tickets without one), and
the search index's triggers survive on SQLite (the column is added, the table is not copied)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests import factories

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _ticket_columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("tickets")}


def test_reasons_up_and_down(app, demo):
    ticket_id = factories.ticket(T0).id
    db.session.remove()  # no transaction of the test may hold the table while it is altered
    try:
        downgrade(revision="0018")
        assert "resolution_reasons" not in _tables() and "resolution_reason" not in _ticket_columns()
        upgrade()
        with db.engine.connect() as conn:
            seeded = conn.execute(sa.text("SELECT code, label_en, label_vi, active FROM resolution_reasons "
                                          "ORDER BY sort_order")).all()
            reason = conn.execute(sa.text("SELECT resolution_reason FROM tickets WHERE id = :id"),
                                  {"id": ticket_id}).scalar_one()
            triggers = (conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
                        if conn.dialect.name == "sqlite" else None)
        codes = [row.code for row in seeded]
        assert codes[:5] == ["carrier_delay", "wrong_address", "cod_timing", "app_defect", "seller_mistake"]
        assert codes[-1] == "other" and all(row.active for row in seeded)
        assert ("carrier_delay", "Carrier delay", "Hãng vận chuyển giao chậm") == tuple(seeded[0])[:3]
        assert reason is None
        if triggers is not None:
            assert {"tickets_search_insert", "tickets_search_update", "tickets_search_delete"} <= set(triggers)
    finally:
        upgrade()  # the rest of the suite runs on the newest schema
