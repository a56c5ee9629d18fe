"""agents' open tickets counted as tickets change: users.open_tickets

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 01:30:00

A new ticket goes to the department's on-duty agent with the fewest open tickets. Counting them at
every submission read all of the department's open tickets from the index, so a submission cost more
as the backlog grew (per agent counted: SQLite 0.16 ms at 3,000 open tickets; PostgreSQL 3.4 ms at
18,000, 10 ms a submission in all). users.open_tickets now holds each user's count, kept by the
triggers of portal/agent_loads.py and filled here from the tickets; a submission reads one row per
agent. Plain ADD COLUMN on SQLite: a batch copy of tickets or users would drop triggers (0009, 0010,
this one).
"""
import sqlalchemy as sa
from alembic import op

from portal import agent_loads

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('open_tickets', sa.Integer(), server_default=sa.text('0'), nullable=False))
    # the triggers first: creating them locks tickets against writes until the migration commits, so
    # the count taken next is not overtaken by a ticket written meanwhile
    for statement in (agent_loads.POSTGRESQL if op.get_bind().dialect.name == "postgresql" else agent_loads.SQLITE):
        op.execute(statement)
    op.execute(agent_loads.RECOUNT)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in (agent_loads.POSTGRESQL_DROP if postgresql else agent_loads.SQLITE_DROP):
        op.execute(statement)
    op.execute("ALTER TABLE users DROP COLUMN open_tickets")  # both databases (SQLite since 3.35)
