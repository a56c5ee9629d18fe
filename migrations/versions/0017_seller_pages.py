"""what the seller's pages need: which staff replies a seller has not opened yet

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:00:00

Two instants on the ticket row, so the seller's list (read from ix_tickets_seller_created, the
table rows it already reads) marks a ticket as new without looking at its messages:
last_staff_reply_at, the latest public staff reply, kept by the reply itself, and seller_seen_at,
the latest of them the seller has seen on the ticket's page. Existing tickets take their latest public staff
reply from the messages and count as seen up to it: an upgrade does not mark the whole history new.
Plain ADD COLUMN on SQLite too: a batch copy of the table would drop the search triggers (0009, 0010).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tickets', sa.Column('last_staff_reply_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('seller_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE tickets SET last_staff_reply_at = (SELECT max(m.created_at) FROM messages m"
        " WHERE m.ticket_id = tickets.id AND m.author_kind = 'staff' AND m.internal = false)"
        " WHERE EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = tickets.id AND m.author_kind = 'staff'"
        " AND m.internal = false)")
    op.execute("UPDATE tickets SET seller_seen_at = last_staff_reply_at WHERE last_staff_reply_at IS NOT NULL")


def downgrade():
    # DROP COLUMN as both databases say it (SQLite since 3.35), for the same reason as above
    op.execute("ALTER TABLE tickets DROP COLUMN seller_seen_at")
    op.execute("ALTER TABLE tickets DROP COLUMN last_staff_reply_at")
