"""honest promises (a moved promised time) and sellers' requests for a team lead

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 18:00:00

tickets.promise_updated_at is set when a re-applied policy moves a ticket's promised first-response
time, so the seller's page can say the time was updated. lead_requests keeps one request per ticket
for a team lead to look (after a breach or a second reopening), counted per department in reports.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN on SQLite too: a batch copy of the table would drop the search triggers (0009, 0010)
    op.add_column('tickets', sa.Column('promise_updated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'lead_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id'), nullable=False),
        sa.Column('department_id', sa.Integer(), sa.ForeignKey('departments.id'), nullable=False),
        sa.Column('lead_user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id'),
    )
    op.create_index('ix_lead_requests_department_created', 'lead_requests', ['department_id', 'created_at'])


def downgrade():
    op.drop_index('ix_lead_requests_department_created', table_name='lead_requests')
    op.drop_table('lead_requests')
    op.execute("ALTER TABLE tickets DROP COLUMN promise_updated_at")  # both databases (SQLite since 3.35)
