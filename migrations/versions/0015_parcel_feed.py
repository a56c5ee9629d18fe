"""parcels from the carrier's live feed, integration tokens, questions answered before a ticket

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:00:00

A parcel may belong to one seller (seller_code); every carrier event is kept once in
shipment_events (a repeat of the same tracking number, status and occurred_at is ignored), the
parcel's row keeps the newest. Integration tokens are stored as SHA-256 only. self_service_events
counts the questions a parcel's status answered on the form, so no ticket was written.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shipments') as batch_op:
        batch_op.add_column(sa.Column('seller_code', sa.String(length=64), nullable=True))
    op.create_table(
        'shipment_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tracking_number', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=64), nullable=False),
        sa.Column('event', sa.Text(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seller_code', sa.String(length=64), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tracking_number', 'status', 'occurred_at', name='uq_shipment_events_event'),
    )
    op.create_index('ix_shipment_events_parcel', 'shipment_events', ['tracking_number', 'occurred_at'])
    op.create_table(
        'integration_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_table(
        'self_service_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('tracking_numbers', sa.Text(), nullable=False),
        sa.Column('statuses', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_self_service_events_created', 'self_service_events', ['created_at'])
    op.create_index('ix_self_service_events_seller', 'self_service_events', ['seller_id', 'created_at'])


def downgrade():
    op.drop_index('ix_self_service_events_seller', table_name='self_service_events')
    op.drop_index('ix_self_service_events_created', table_name='self_service_events')
    op.drop_table('self_service_events')
    op.drop_table('integration_tokens')
    op.drop_index('ix_shipment_events_parcel', table_name='shipment_events')
    op.drop_table('shipment_events')
    with op.batch_alter_table('shipments') as batch_op:
        batch_op.drop_column('seller_code')
