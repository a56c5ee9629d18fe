"""users.open_tickets, kept by the database's triggers (portal/agent_loads.py, migration 0020), on
the suite's database (SQLite or PostgreSQL): after every kind of change a ticket goes through, each
user's count equals the count of their assigned tickets that are new, open or waiting on the seller;
routing reads it; the migration fills it from the tickets already there."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.models import Ticket, User
from portal.services import staff_actions, tickets
from tests import factories

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
RECOUNT = sa.text("SELECT users.id, (SELECT count(*) FROM tickets WHERE tickets.assignee_id = users.id "
                  "AND tickets.status IN ('new', 'open', 'waiting_on_seller')) FROM users")


def kept_and_counted() -> tuple[dict[int, int], dict[int, int]]:
    """(what users.open_tickets says, what the tickets say) for every user."""
    db.session.commit()
    with db.engine.connect() as conn:
        kept = dict(conn.execute(sa.text("SELECT id, open_tickets FROM users")).all())
        counted = dict(conn.execute(RECOUNT).all())
    return kept, counted


def assert_in_step() -> dict[int, int]:
    kept, counted = kept_and_counted()
    assert kept == counted
    return kept


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_the_count_follows_every_change_of_a_ticket(app, demo):
    lead, agent1, agent2 = user("lead.delivery@demo.test"), user("agent1.delivery@demo.test"), \
        user("agent2.delivery@demo.test")
    made = [factories.ticket(T0 + dt.timedelta(minutes=n)) for n in range(4)]  # routed and assigned
    loads = assert_in_step()
    assert sum(loads[a.id] for a in (agent1, agent2)) >= 4
    first, second, third, fourth = made
    now = T0 + dt.timedelta(hours=1)

    staff_actions.assign(first, lead, agent2.email, now=now)
    assert_in_step()
    staff_actions.assign(second, lead, None, now=now)  # unassigned: it counts for nobody
    assert_in_step()
    staff_actions.change_status(third, lead, "waiting_on_seller", now=now)  # still open
    assert_in_step()
    staff_actions.change_status(third, lead, "resolved", now=now, reason="answered_question")
    before = assert_in_step()
    staff_actions.change_status(third, lead, "open", now=now)  # reopened: counted again
    after = assert_in_step()
    assert after[third.assignee_id] == before[third.assignee_id] + 1
    staff_actions.transfer(fourth, lead, "finance", "the COD team's", now=now)
    assert_in_step()
    staff_actions.merge(first, lead, third.reference, now=now)  # closed by the merge
    assert_in_step()

    # statements the code never runs are counted all the same: a bulk update, a row written and
    # deleted by SQL
    db.session.execute(sa.update(Ticket).where(Ticket.id == third.id).values(status="closed"))
    assert_in_step()
    table = Ticket.__table__
    copied = [c for c in table.c if c.name not in ("id", "reference", "submission_key")]
    db.session.execute(sa.update(Ticket).where(Ticket.id == fourth.id).values(assignee_id=agent1.id))
    db.session.execute(sa.insert(table).from_select([c.name for c in copied] + ["reference"], sa.select(
        *copied, sa.literal("T-COPY-0001")).where(table.c.id == fourth.id)))
    with_copy = assert_in_step()
    db.session.execute(sa.delete(Ticket).where(Ticket.reference == "T-COPY-0001"))
    assert assert_in_step()[agent1.id] == with_copy[agent1.id] - 1


def test_a_new_ticket_goes_to_the_agent_with_fewer_open_tickets(app, demo):
    agent1, agent2 = user("agent1.delivery@demo.test"), user("agent2.delivery@demo.test")
    for n in range(3):
        ticket = factories.ticket(T0 + dt.timedelta(minutes=n))
        db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(assignee_id=agent1.id))
    loads = assert_in_step()
    assert loads[agent1.id] > loads[agent2.id]
    department_id = factories.ticket(T0).department_id
    assert tickets.least_loaded_agent(department_id) == agent2.id
    assert factories.ticket(T0 + dt.timedelta(hours=1)).assignee_id == agent2.id


def test_the_migration_counts_the_tickets_already_there(app, demo):
    made = [factories.ticket(T0 + dt.timedelta(minutes=n)) for n in range(3)]
    db.session.remove()  # no transaction of the test may hold the tables while they are altered
    try:
        downgrade(revision="0019")
        with db.engine.begin() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
            assert "open_tickets" not in columns
            # written while nothing counted: the upgrade must find these from the tickets themselves
            conn.execute(sa.text("UPDATE tickets SET status = 'resolved' WHERE id = :id"), {"id": made[0].id})
        upgrade()
        assert_in_step()
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                triggers = set(conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
                assert {"tickets_load_insert", "tickets_load_update", "tickets_load_delete",
                        "tickets_search_insert", "tickets_search_update", "tickets_search_delete"} <= triggers
        factories.ticket(T0 + dt.timedelta(hours=1))
        assert_in_step()
    finally:
        upgrade()  # the rest of the suite runs on the newest schema
