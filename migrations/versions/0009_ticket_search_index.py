"""indexes for word search, the open queue and the seller's ticket list

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:00:00

Word search in the inbox looks for substrings of tickets.search_text (lower-cased, diacritics
stripped). PostgreSQL answers LIKE '%word%' from a pg_trgm GIN index on that column. SQLite gets
an FTS5 table with the trigram tokenizer over the same column (external content: the text is kept
once, in tickets), kept in step by triggers; SQLite older than 3.34 has no trigram tokenizer and
keeps searching by reading the queue. The seller's page lists their latest tickets from an index
in that order instead of sorting all of them, and on SQLite the inbox reads open tickets in due
order, for one department or all, from partial indexes of open tickets.
"""
import sqlalchemy as sa
from alembic import op

from portal import search_index

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# the statements are shared with the bulk generator, which drops and restores the insert trigger
SQLITE_TRIGRAM = search_index.SQLITE_TRIGRAM
SQLITE_UP = (search_index.CREATE_TABLE, *search_index.TRIGGERS.values(), search_index.REBUILD)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS tickets_search_update",
    "DROP TRIGGER IF EXISTS tickets_search_delete",
    "DROP TRIGGER IF EXISTS tickets_search_insert",
    "DROP TABLE IF EXISTS tickets_search",
)


OPEN_TICKET = "status IN ('new', 'open', 'waiting_on_seller')"


def _sqlite_version(bind) -> tuple[int, ...]:
    version = bind.exec_driver_sql("SELECT sqlite_version()").scalar()
    return tuple(int(part) for part in version.split("."))


def upgrade():
    op.create_index('ix_tickets_seller_created', 'tickets', ['seller_id', 'created_at', 'id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_tickets_search_trgm', 'tickets', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    elif bind.dialect.name == 'sqlite':
        # PostgreSQL reads ix_tickets_queue's three status ranges in due order; SQLite sorts them all
        op.create_index('ix_tickets_open_queue', 'tickets', ['department_id', 'first_response_due_at', 'id'],
                        unique=False, sqlite_where=sa.text(OPEN_TICKET))
        op.create_index('ix_tickets_open_due', 'tickets', ['first_response_due_at', 'id'], unique=False,
                        sqlite_where=sa.text(OPEN_TICKET))
        version = _sqlite_version(bind)
        if version < SQLITE_TRIGRAM:
            print(f"SQLite {'.'.join(map(str, version))} has no trigram tokenizer (3.34+): "
                  "ticket search will read the queue instead of an index")
            return
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.drop_index('ix_tickets_search_trgm', table_name='tickets')
    elif bind.dialect.name == 'sqlite':
        for statement in SQLITE_DOWN:
            op.execute(statement)
        op.drop_index('ix_tickets_open_due', table_name='tickets')
        op.drop_index('ix_tickets_open_queue', table_name='tickets')
    op.drop_index('ix_tickets_seller_created', table_name='tickets')
