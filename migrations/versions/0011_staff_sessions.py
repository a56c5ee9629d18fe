"""staff sessions kept on the server

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00

A staff login is a row; the session cookie carries its random key. Ending the row (logout, a
password change, a deactivation, a role change) ends the session wherever its cookie was copied.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_staff_sessions_key_hash'))
    )
    op.create_index('ix_staff_sessions_user', 'staff_sessions', ['user_id', 'ended_at'], unique=False)


def downgrade():
    op.drop_index('ix_staff_sessions_user', table_name='staff_sessions')
    op.drop_table('staff_sessions')
