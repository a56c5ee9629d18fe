"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def _ours(obj, name, type_, reflected, compare_to):
    # tables the database keeps for itself (SQLite full-text shadow tables, Alembic's version table)
    return not (type_ == "table" and reflected and compare_to is None)


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours, "compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff
