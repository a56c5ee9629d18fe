"""fewer index writes per new ticket

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 11:40:00

Every new ticket was written into ix_tickets_seller_id, which repeats the first column of
ix_tickets_seller_created and of the unique (seller, submission key) key, and into
ix_tickets_merged_into_id, with a NULL: nearly no ticket is merged. The first goes; the second
keeps only merged tickets (a foreign key check looks them up by `merged_into_id = id`, which
the partial index answers).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MERGED = "merged_into_id IS NOT NULL"


def upgrade():
    op.drop_index('ix_tickets_seller_id', table_name='tickets')
    op.drop_index('ix_tickets_merged_into_id', table_name='tickets')
    op.create_index('ix_tickets_merged_into_id', 'tickets', ['merged_into_id'], unique=False,
                    sqlite_where=sa.text(MERGED), postgresql_where=sa.text(MERGED))


def downgrade():
    op.drop_index('ix_tickets_merged_into_id', table_name='tickets')
    op.create_index('ix_tickets_merged_into_id', 'tickets', ['merged_into_id'], unique=False)
    op.create_index('ix_tickets_seller_id', 'tickets', ['seller_id'], unique=False)
