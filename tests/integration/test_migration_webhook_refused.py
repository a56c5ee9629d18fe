"""Migration 0012 up and down on the suite's database (SQLite or PostgreSQL): `refused` becomes a
delivery status, errors stored in the old long form are shortened; downgrading turns refused
deliveries into failed ones and the status is refused again by the database."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal.extensions import db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
OLD_ERRORS = {
    "URLError: <urlopen error [Errno 111] Connection refused>": "could not connect",
    "TimeoutError: timed out": "timed out",
    "URLError: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed>": "TLS error",
    "URLError: <urlopen error [Errno -2] Name or service not known>": "host not found",
    "RemoteDisconnected: Remote end closed connection without response": "connection lost",
    "ValueError: unknown url type: 'x'": "delivery error",
    "endpoint deactivated": "endpoint deactivated",
}


def _before_0012(app) -> str:
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script.get_revision("0012").down_revision


def _insert(conn, status: str, last_error: str | None = None) -> None:
    conn.execute(sa.text(
        "INSERT INTO webhook_deliveries (endpoint_id, event_kind, payload_json, status, attempts, next_attempt_at,"
        " created_at, last_error) VALUES (1, 'sla_breached', '{}', :status, 1, :t, :t, :error)"),
        {"status": status, "t": T0, "error": last_error})


def _statuses_and_errors() -> list[tuple[str, str | None]]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(
            "SELECT status, last_error FROM webhook_deliveries ORDER BY id"))]


def test_refused_status_up_and_down(app):
    db.session.remove()  # no transaction of the test may hold the table while it is altered
    try:
        downgrade(revision=_before_0012(app))
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO webhook_endpoints (url, secret, events, active, created_at)"
                                 " VALUES ('https://chat.example.com/h', 's', 'sla_breached', true, :t)"), {"t": T0})
            for error in OLD_ERRORS:
                _insert(conn, "failed", error)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _insert(conn, "refused")

        upgrade()
        assert _statuses_and_errors() == [("failed", short) for short in OLD_ERRORS.values()]
        with db.engine.begin() as conn:
            _insert(conn, "refused", "address not allowed")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _insert(conn, "given_up")

        downgrade(revision=_before_0012(app))
        assert _statuses_and_errors()[-1] == ("failed", "address not allowed")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _insert(conn, "refused")
    finally:
        upgrade()  # the rest of the suite runs on the newest schema
