"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def _ours(dialect):
    def include(obj, name, type_, reflected, compare_to):
        # tables the database keeps for itself (SQLite full-text shadow tables, Alembic's version table)
        if type_ == "table" and reflected and compare_to is None:
            return False
        # a model index for the other kind of database (e.g. the pg_trgm index on PostgreSQL only)
        return not (type_ == "index" and not reflected and obj.info.get("only_on", dialect) != dialect)
    return include


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours(conn.dialect.name),
                                                         "compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff
