"""when a seller's personal data was erased

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 10:00:00

`sellers forget CODE` blanks a seller's name and phone and keeps the row, so that their tickets
still count in the figures; erased_at lets pages say "erased" instead of showing an empty name.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sellers') as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sellers') as batch_op:
        batch_op.drop_column('erased_at')
