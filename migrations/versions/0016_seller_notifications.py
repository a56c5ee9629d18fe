"""the outbox of seller notifications and Web Push subscriptions

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:00:00

seller_notifications holds one message per ticket and channel (gateway, or one Web Push
subscription) until it is delivered, given up (dead) or refused; push_subscriptions the browsers a
seller asked to be notified on; sellers.notify_enabled is the seller's own switch (on by default).
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sellers') as batch_op:
        batch_op.add_column(sa.Column('notify_enabled', sa.Boolean(), server_default=sa.text('true'),
                                      nullable=False))
    op.create_table(
        'push_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), nullable=False),
        sa.Column('endpoint', sa.String(length=2000), nullable=False),
        sa.Column('p256dh', sa.String(length=200), nullable=False),
        sa.Column('auth', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('endpoint'),
    )
    op.create_index('ix_push_subscriptions_seller_id', 'push_subscriptions', ['seller_id'])
    op.create_table(
        'seller_notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id'), nullable=False),
        sa.Column('seller_id', sa.Integer(), sa.ForeignKey('sellers.id'), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('subscription_id', sa.Integer(), sa.ForeignKey('push_subscriptions.id'), nullable=True),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('payload_json', sa.Text(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_status_code', sa.SmallInteger(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('idempotency_key'),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'dead', 'refused')",
                           name=op.f('ck_seller_notifications_status')),
        sa.CheckConstraint("channel IN ('gateway', 'webpush')", name=op.f('ck_seller_notifications_channel')),
    )
    op.create_index('ix_seller_notifications_due', 'seller_notifications', ['status', 'next_attempt_at'])
    op.create_index('ix_seller_notifications_ticket_id', 'seller_notifications', ['ticket_id'])
    op.create_index('ix_seller_notifications_seller_id', 'seller_notifications', ['seller_id'])
    op.create_index('ix_seller_notifications_subscription_id', 'seller_notifications', ['subscription_id'])


def downgrade():
    op.drop_index('ix_seller_notifications_subscription_id', table_name='seller_notifications')
    op.drop_index('ix_seller_notifications_seller_id', table_name='seller_notifications')
    op.drop_index('ix_seller_notifications_ticket_id', table_name='seller_notifications')
    op.drop_index('ix_seller_notifications_due', table_name='seller_notifications')
    op.drop_table('seller_notifications')
    op.drop_index('ix_push_subscriptions_seller_id', table_name='push_subscriptions')
    op.drop_table('push_subscriptions')
    with op.batch_alter_table('sellers') as batch_op:
        batch_op.drop_column('notify_enabled')
