"""`demo generate` sets the word-search index aside while it loads (SQLite's insert trigger,
PostgreSQL's trigram index) and brings it back as migration 0009 made it, with the new tickets in
it; an interrupted load, even a killed process, leaves the index and the search as they were."""
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from portal import search_index
from portal.extensions import db
from portal.models import Ticket
from portal.services import generate, inbox
from portal.services.runtime import runtime
from tests import factories
from tests.inbox_search import found

ROOT = Path(__file__).resolve().parents[2]


def holding(*words: str) -> list[int]:
    """The tickets whose search text holds every word, read without any index."""
    return sorted(i for i, s in db.session.execute(select(Ticket.id, Ticket.search_text)) if all(w in s for w in words))


def index_ddl() -> dict[str, str]:
    """The word-search index as the database defines it: SQLite's full-text table and its
    triggers, or PostgreSQL's indexes of tickets (with whether each is valid)."""
    if db.engine.dialect.name == "postgresql":
        return dict(db.session.execute(text(
            "SELECT indexname, indexdef || CASE WHEN indisvalid THEN '' ELSE ' INVALID' END FROM pg_indexes "
            "JOIN pg_index ON indexrelid = format('%I.%I', schemaname, indexname)::regclass "
            "WHERE tablename = 'tickets' AND schemaname = current_schema()")).all())
    return dict(db.session.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE name LIKE 'tickets_search%' AND sql IS NOT NULL")).all())


def assert_index_as_migrated(before: dict[str, str]) -> None:
    assert index_ddl() == before
    if db.engine.dialect.name == "postgresql":
        assert before["ix_tickets_search_trgm"] == (
            "CREATE INDEX ix_tickets_search_trgm ON public.tickets USING gin (search_text gin_trgm_ops)")
        return
    assert {name: before[name] for name in search_index.TRIGGERS} == search_index.TRIGGERS
    assert before[search_index.TABLE] == search_index.CREATE_TABLE
    # an external-content index checked against tickets: raises when a row is missing or extra
    db.session.execute(text("INSERT INTO tickets_search (tickets_search, rank) VALUES ('integrity-check', 1)"))


def assert_search_works(now) -> None:
    """Every ticket holding a word is found, from the index on SQLite, including one created now."""
    for words in (["doi", "soat"], ["phi", "van", "chuyen"], ["khong", "dang", "nhap"]):
        expected = holding(*words)
        assert found(" ".join(words)) == expected
        if db.engine.dialect.name == "sqlite":
            assert sorted(inbox._indexed_candidates(words)) == expected
    fresh = factories.ticket(now, description="Kiện hàng bị móp méo khi giao", tracking=())
    assert found("mop meo") == [fresh.id]
    if db.engine.dialect.name == "sqlite":
        assert inbox._indexed_candidates(["mop", "meo"]) == [fresh.id]


def run(count: int, now) -> list[str]:
    lines: list[str] = []
    generate.generate_tickets(count, 30, 7, now=now, rt=runtime(), progress=lines.append)
    return lines


@pytest.fixture
def existing(demo, now) -> list[int]:
    """Tickets there before the load: the new ones are indexed after these."""
    ids = [factories.ticket(now, description=text, tracking=()).id
           for text in ("Đối soát COD tháng trước chưa khớp", "Phí vận chuyển bị tính hai lần")]
    db.session.commit()
    return ids


def test_generated_tickets_are_found_by_word_and_by_part_of_a_tracking_number(app, existing, now):
    before = index_ddl()
    lines = run(300, now)
    assert lines[:2] == ["generated 300/300 tickets", "building the search index…"]
    assert_index_as_migrated(before)

    generated = db.session.scalars(select(Ticket).where(Ticket.id > max(existing)).order_by(Ticket.id)).all()
    assert len(generated) == 300
    sample = generated[123]
    fragment = sample.tracking_list[0][1:-1].lower()  # no exact tracking number: a word search
    expected = [t.id for t in generated if fragment.upper() in t.tracking_numbers]
    assert sample.id in expected and found(fragment) == expected
    if db.engine.dialect.name == "sqlite":
        assert sample.id in inbox._indexed_candidates([fragment])
    assert existing[0] in found("doi soat") and existing[1] in found("phi van chuyen")
    assert_search_works(now)


def test_a_second_load_indexes_only_its_own_tickets(app, existing, now):
    before = index_ddl()
    run(100, now)
    run(300, now)  # more than twice as many as there are: PostgreSQL rebuilds its index again
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 402
    assert_index_as_migrated(before)
    assert_search_works(now)


def test_a_load_smaller_than_the_table_keeps_postgresqls_index(app, existing, now):
    run(300, now)
    lines = run(20, now)  # fewer than twice the 302 there: rebuilding would cost more
    assert ("building the search index…" in lines) == (db.engine.dialect.name == "sqlite")
    assert_search_works(now)


def test_without_a_search_index_the_load_only_inserts(app, existing, now):
    """SQLite older than 3.34 has no trigram table (migration 0009): nothing to set aside."""
    if db.engine.dialect.name == "postgresql":
        drop, restore = ["DROP INDEX ix_tickets_search_trgm"], [generate.PG_SEARCH_INDEX]
    else:
        drop = [f"DROP TRIGGER {name}" for name in search_index.TRIGGERS] + [f"DROP TABLE {search_index.TABLE}"]
        restore = [search_index.CREATE_TABLE, *search_index.TRIGGERS.values(), search_index.REBUILD]
    before = index_ddl()
    for statement in drop:
        db.session.execute(text(statement))
    db.session.commit()
    inbox._SEARCH_TABLE.clear()  # whether the table exists is read once per engine
    try:
        lines = run(300, now)
        assert "building the search index…" not in lines
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 302
        assert not set(index_ddl()) & {"ix_tickets_search_trgm", *search_index.TRIGGERS}
        assert found("doi soat") == holding("doi", "soat")
    finally:
        db.session.rollback()
        for statement in restore:
            if isinstance(statement, str):
                db.session.execute(text(statement))
            else:
                statement.create(db.session.connection())
        db.session.commit()
        inbox._SEARCH_TABLE.clear()
    assert_index_as_migrated(before)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("interruption", [Interrupted, KeyboardInterrupt])
def test_an_interrupted_load_leaves_the_index_and_no_tickets(app, existing, now, monkeypatch, interruption):
    before = index_ddl()
    monkeypatch.setattr(generate, "CHUNK", 40)
    row, made = generate._row, []

    def failing_row(*args, **kwargs):
        if len(made) == 100:  # two chunks written, the index set aside
            raise interruption()
        made.append(None)
        return row(*args, **kwargs)

    monkeypatch.setattr(generate, "_row", failing_row)
    with pytest.raises(interruption):
        run(300, now)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == len(existing)
    assert_index_as_migrated(before)
    assert_search_works(now)


KILLED_LOAD = textwrap.dedent("""
    import os, signal, sys
    from portal import create_app
    from portal.config import TestConfig
    from portal.services import generate
    from portal.services.runtime import runtime, utcnow

    def progress(line):
        if line.startswith("generated 80/"):  # two chunks written, the index set aside
            os.kill(os.getpid(), signal.SIGKILL)

    generate.CHUNK = 40
    with create_app(TestConfig(sys.argv[1], sys.argv[2])).app_context():
        generate.generate_tickets(300, 30, 7, now=utcnow(), rt=runtime(), progress=progress)
""")


def test_a_killed_load_leaves_the_index_and_no_tickets(app, existing, now, database_url, tmp_path):
    before = index_ddl()
    db.session.commit()
    db.session.close()
    done = subprocess.run([sys.executable, "-c", KILLED_LOAD, database_url, str(tmp_path / "uploads")],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == len(existing)
    assert_index_as_migrated(before)
    assert_search_works(now)


def test_the_planner_gets_statistics_after_a_load(app, existing, now):
    lines = run(200, now)
    if db.engine.dialect.name == "sqlite":
        assert lines[-1] == "analysing tickets…"
        assert db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'tickets'")) >= 3
    else:  # VACUUM ANALYZE, on its own connection after the commit: the table's row estimate is set
        assert lines[-1] == "vacuuming and analysing tickets…"
        db.session.commit()
        assert db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'tickets'")) >= 200


def test_generated_tickets_are_numbered_in_the_order_they_were_created(app, existing, now):
    """As the portal's own intake writes them: a higher id is never an earlier ticket, and the load
    spreads over the days asked for (a report that reads in creation order reads in stored order)."""
    run(500, now)
    created = db.session.scalars(select(Ticket.created_at).where(Ticket.id > max(existing))
                                 .order_by(Ticket.id)).all()
    assert len(created) == 500 and created == sorted(created)
    assert now - dt.timedelta(days=30) <= created[0] < now - dt.timedelta(days=20)
    assert now - dt.timedelta(days=10) < created[-1] <= now - dt.timedelta(seconds=60)
