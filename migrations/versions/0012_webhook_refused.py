"""webhook deliveries may be refused

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 11:00:00

A delivery whose destination the outbound guard refuses (loopback, private, link-local, metadata
addresses…; portal/outbound.py) is recorded as `refused` and not retried. The delivery log now
keeps a short reason only; errors stored before (exception texts, errno strings) are shortened
the same way, since they could tell an admin which internal ports answer. Downgrading turns
refused deliveries into failed ones, the status they had before.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLE = 'webhook_deliveries'
CHECK = 'ck_webhook_deliveries_status'
WITH_REFUSED = "status IN ('pending', 'delivered', 'failed', 'refused')"
WITHOUT_REFUSED = "status IN ('pending', 'delivered', 'failed')"
# the short reasons the old texts become (first match wins; the rest become a generic one)
OLD_ERRORS = (("%timed out%", "timed out"), ("%CERTIFICATE%", "TLS error"), ("%SSL%", "TLS error"),
              ("%Name or service not known%", "host not found"), ("%getaddrinfo%", "host not found"),
              ("%refused%", "could not connect"), ("%Remote%", "connection lost"), ("%reset%", "connection lost"))
KEPT = ("endpoint deactivated",)


def _set_check(condition: str) -> None:
    # SQLite alters a constraint by copying the table (batch mode); PostgreSQL in place
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')  # op.f: the full name, as the models make it
        batch_op.create_check_constraint(op.f(CHECK), sa.text(condition))


def upgrade():
    _set_check(WITH_REFUSED)
    deliveries = sa.table(TABLE, sa.column('last_error', sa.Text))
    shortened = sa.case(*((deliveries.c.last_error.like(pattern), reason) for pattern, reason in OLD_ERRORS),
                        else_=sa.literal('delivery error'))
    op.execute(deliveries.update()
               .where(deliveries.c.last_error.is_not(None), deliveries.c.last_error.not_in(KEPT))
               .values(last_error=shortened))


def downgrade():
    op.execute(sa.text(f"UPDATE {TABLE} SET status = 'failed' WHERE status = 'refused'"))
    _set_check(WITHOUT_REFUSED)
