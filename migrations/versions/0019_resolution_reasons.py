"""resolution reasons: the list the admin keeps and the reason each resolved ticket was resolved for

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 18:30:00

resolution_reasons holds the reasons (code, English and Vietnamese label, on or off, order), seeded
with the portal's starting list; tickets.resolution_reason the code staff chose when resolving.
Plain ADD COLUMN on SQLite too: a batch copy of the table would drop the search triggers (0009, 0010).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# the starting list as of this migration (portal.models.reasons.SEED_REASONS may grow later)
SEED = (
    ("carrier_delay", "Carrier delay", "Hãng vận chuyển giao chậm"),
    ("wrong_address", "Wrong address", "Sai địa chỉ"),
    ("cod_timing", "COD timing", "Thời gian đối soát COD"),
    ("app_defect", "App defect", "Lỗi ứng dụng"),
    ("seller_mistake", "Seller mistake", "Người bán nhầm lẫn"),
    ("answered_question", "Question answered", "Đã giải đáp thắc mắc"),
    ("other", "Other", "Lý do khác"),
)


def upgrade():
    reasons = op.create_table(
        'resolution_reasons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label_en', sa.String(length=120), nullable=False),
        sa.Column('label_vi', sa.String(length=120), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('sort_order', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.bulk_insert(reasons, [{"code": code, "label_en": en, "label_vi": vi, "active": True, "sort_order": n * 10}
                             for n, (code, en, vi) in enumerate(SEED, start=1)])
    op.add_column('tickets', sa.Column('resolution_reason', sa.String(length=32), nullable=True))


def downgrade():
    op.execute("ALTER TABLE tickets DROP COLUMN resolution_reason")  # both databases (SQLite since 3.35)
    op.drop_table('resolution_reasons')
