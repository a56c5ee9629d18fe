"""The word-search index: SQLite's trigram table follows the tickets through its triggers, and on
PostgreSQL the search conditions are ones the pg_trgm index answers."""
from sqlalchemy import delete, select, text, update

from portal.extensions import db
from portal.models import Event, Message, Ticket, TicketTracking
from portal.services import inbox, sellers, tickets
from portal.services.runtime import runtime


def make(now, description: str) -> Ticket:
    ticket, _ = tickets.create_ticket(sellers.by_code("DEMO-001"), tickets.NewTicket(
        category="finance", description=description), now=now, rt=runtime())
    return ticket


def found(q: str) -> list[int]:
    """What the inbox search matches, whatever the database."""
    return list(db.session.scalars(select(Ticket.id).where(inbox._search(q)).order_by(Ticket.id)))


def from_index(q: str) -> list[int] | None:
    """What the index alone answers: SQLite's trigram table (None: not used), or PostgreSQL's plan."""
    words = q.split()
    if db.engine.dialect.name == "sqlite":
        ids = inbox._indexed_candidates(words)
        return None if ids is None else sorted(ids)
    return found(q)


def test_trigram_table_follows_new_changed_and_deleted_tickets(app, demo, now):
    refund, fee = make(now, "Chưa nhận được hoàn tiền"), make(now, "Phí vận chuyển bị tính sai")
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
    weekly = {make(now, f"Đối soát COD tuần {n}").id for n in range(3)}
    make(now, "Shipper chưa đến lấy hàng")
    assert set(found("cod doi")) == weekly
    if db.engine.dialect.name == "sqlite":
        assert set(inbox._indexed_candidates(["doi", "so"])) == weekly  # "so" is left to LIKE
        assert inbox._indexed_candidates(["so", "d"]) is None
        assert inbox._indexed_candidates(['"doi"']) == []  # quotes are part of the word, not syntax


def test_postgresql_answers_word_search_from_the_trigram_index(app, demo, now):
    make(now, "Đối soát COD tuần này")
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
