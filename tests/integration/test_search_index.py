"""The word-search index: SQLite's trigram table follows the tickets through its triggers, and on
PostgreSQL the search conditions are ones the pg_trgm index answers."""
from sqlalchemy import delete, select, text, update

from portal.extensions import db
from portal.models import Event, Message, Ticket, TicketTracking
from portal.services import inbox
from tests import factories
from tests.inbox_search import found


def from_index(q: str) -> list[int] | None:
    """What the index alone answers: SQLite's trigram table (None: not used), or PostgreSQL's plan."""
    words = q.split()
    if db.engine.dialect.name == "sqlite":
        ids = inbox._indexed_candidates(words)
        return None if ids is None else sorted(ids)
    return found(q)


def test_trigram_table_follows_new_changed_and_deleted_tickets(app, demo, now):
    refund, fee = (factories.ticket(now, description=text, tracking=())
                   for text in ("Chưa nhận được hoàn tiền", "Phí vận chuyển bị tính sai"))
    assert found("hoan tien") == from_index("hoan tien") == [refund.id]
    assert from_index("van chuyen") == [fee.id]

    db.session.execute(update(Ticket).where(Ticket.id == refund.id).values(search_text="khong lien quan"))
    db.session.commit()
    assert found("hoan tien") == from_index("hoan tien") == []
    assert found("lien quan") == from_index("lien quan") == [refund.id]

    for model in (Event, Message, TicketTracking):
        db.session.execute(delete(model).where(model.ticket_id == fee.id))
    db.session.execute(delete(Ticket).where(Ticket.id == fee.id))
    db.session.commit()
    assert found("van chuyen") == from_index("van chuyen") == []


def test_only_words_of_three_letters_or_more_go_to_the_trigram_table(app, demo, now):
    weekly = {factories.ticket(now, description=f"Đối soát COD tuần {n}", tracking=()).id for n in range(3)}
    factories.ticket(now, description="Shipper chưa đến lấy hàng", tracking=())
    assert set(found("cod doi")) == weekly
    if db.engine.dialect.name == "sqlite":
        assert set(inbox._indexed_candidates(["doi", "so"])) == weekly  # "so" is left to LIKE
        assert inbox._indexed_candidates(["so", "d"]) is None
        assert inbox._indexed_candidates(['"doi"']) == []  # quotes are part of the word, not syntax


def test_postgresql_answers_word_search_from_the_trigram_index(app, demo, now):
    factories.ticket(now, description="Đối soát COD tuần này", tracking=())
    statement = select(Ticket.id).where(inbox._search("doi soat"))
    if db.engine.dialect.name != "postgresql":
        assert "tickets_search" in {r for r in db.session.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        return
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    db.session.rollback()
    assert "ix_tickets_search_trgm" in plan, plan
