"""Bulk synthetic tickets for benchmarks (`demo generate`): a million in minutes."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sqlalchemy import Index, func, insert, select, text

import sla

from .. import search_index
from ..db_setup import no_statement_timeout
from ..extensions import db
from ..models import Department, Seller, Ticket, TicketTracking, User, user_departments
from .runtime import Runtime, calendar_for
from .tickets import make_reference, search_text

CHUNK = 20_000
CATEGORY_DEPARTMENT = {"delivery_delay": "delivery", "order_return_status": "returns", "finance": "finance",
                       "app_bug": "apps", "other": "triage"}
WORDS = ["đơn hàng", "chưa lấy hàng", "giao chậm", "hoàn hàng", "đối soát", "COD", "phí vận chuyển", "ứng dụng",
         "lỗi", "không đăng nhập được", "shipper", "kho", "hóa đơn", "refund", "late", "pickup"]
# PostgreSQL rebuilds the trigram index over every ticket, old and new. Measured on PostgreSQL 15
# at a million tickets: building it costs about 36 µs a ticket, keeping it up to date while
# inserting about 61 µs, so a rebuild pays off for a load of 1.5 times the tickets already there;
# below twice that, the index stays (and the table open to readers)
PG_REBUILD_FACTOR = 2
PG_SEARCH_INDEX: Index = next(i for i in Ticket.__table__.indexes if i.name == "ix_tickets_search_trgm")
_SQLITE_INSERT_TRIGGER = text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name")
_PG_INDEX_EXISTS = text("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = :name")


def _ensure_sellers(n: int) -> list[tuple[int, str, str]]:
    have = {c for c in db.session.scalars(select(Seller.code).where(Seller.code.like("BENCH-%")))}
    db.session.add_all(Seller(code=f"BENCH-{i:05d}", name=f"Bench Shop {i}", phone=f"08{i:08d}")
                       for i in range(n) if f"BENCH-{i:05d}" not in have)
    db.session.commit()
    return list(db.session.execute(select(Seller.id, Seller.code, Seller.name).where(Seller.code.like("BENCH-%"))))


def generate_tickets(count: int, days: int, seed: int, *, now: dt.datetime, rt: Runtime,
                     progress: Callable[[str], None]) -> int:
    """Insert `count` tickets spread over the last `days` days, in every state, with SLA marks
    set as a punctual scheduler would have left them, all in one transaction: an interrupted run
    leaves none of them, and the word-search index as it was. Returns the number inserted."""
    rng = random.Random(seed)
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    missing = set(CATEGORY_DEPARTMENT.values()) - set(departments)
    if missing:
        raise ValueError(f"departments missing ({', '.join(sorted(missing))}): run `demo load` first")
    agents: dict[int, list[int]] = {}
    for dept_id, user_id in db.session.execute(select(user_departments.c.department_id, User.id).join(
            User, User.id == user_departments.c.user_id).where(User.role == "agent")):
        agents.setdefault(dept_id, []).append(user_id)
    sellers = _ensure_sellers(1000)
    calendars = {code: calendar_for(d.calendar_json) for code, d in departments.items()}
    categories = list(CATEGORY_DEPARTMENT)
    span = days * 86400
    postgresql = db.engine.dialect.name == "postgresql"
    # Updating the word-search index ticket by ticket costs more than writing the tickets (SQLite's
    # insert trigger doubles the time; PostgreSQL's GIN index too), while indexing them in one pass
    # afterwards is cheap. So the index is set aside and brought back inside the transaction that
    # writes the tickets: DDL is transactional on both databases, so an exception, Ctrl-C or a
    # killed process rolls the trigger or index back along with the tickets, and no commit ever
    # holds tickets without their trigger or index, whatever stops the run. The price, fine for
    # benchmark data: nothing is committed until the end, SQLite's write lock (BEGIN IMMEDIATE) is
    # held throughout, and on PostgreSQL the dropped index locks the table against readers too.
    try:
        no_statement_timeout()  # one transaction writes them all and rebuilds the index
        paused = _pause_search_index(count, postgresql)
        last_id = db.session.scalar(select(func.max(Ticket.id))) or 0
        next_id, done = last_id + 1, 0
        # seconds before now, oldest first: tickets are written, and numbered, in the order they were
        # created, as the portal's own intake writes them (a report reading them in creation order
        # then finds them in the order they are stored, as it would in a real database)
        ages = sorted((rng.randint(60, span) for _ in range(count)), reverse=True)
        while done < count:
            tickets, tracking = [], []
            for _ in range(min(CHUNK, count - done)):
                created = now - dt.timedelta(seconds=ages[done + len(tickets)])
                tickets.append(_row(next_id, created, rng, now, sellers, categories, departments, calendars, agents,
                                    rt))
                tracking.append({"ticket_id": next_id, "tracking_number": tickets[-1]["tracking_numbers"]})
                next_id += 1
            db.session.execute(insert(Ticket.__table__), tickets)
            db.session.execute(insert(TicketTracking.__table__), tracking)
            done += len(tickets)
            progress(f"generated {done}/{count} tickets")
        if paused:
            progress("building the search index…")
            _resume_search_index(last_id, postgresql)
        if postgresql:
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                                    "(SELECT max(id) FROM tickets))"))
        else:
            # without statistics SQLite's planner reads the SLA sweep's partial indexes the slow way
            # (200k tickets: 130 ms a sweep instead of 4 ms)
            progress("analysing tickets…")
            db.session.execute(text("ANALYZE tickets"))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if postgresql:
        # VACUUM as well as ANALYZE: right after a bulk load without it, the planner prices
        # reads of the new rows high enough to JIT-compile small queries (bench/README.md)
        progress("vacuuming and analysing tickets…")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET statement_timeout = 0")
            try:
                conn.execute(text("VACUUM ANALYZE tickets"))
            finally:
                conn.exec_driver_sql("RESET statement_timeout")
    return done


def _pause_search_index(count: int, postgresql: bool) -> bool:
    """Set the word-search index aside, in the current transaction, for a load of `count` tickets;
    False when there is none to set aside (SQLite without the trigram tokenizer, migration 0009)
    or, on PostgreSQL, when rebuilding the index over the existing tickets would cost more."""
    if postgresql:
        if db.session.scalar(_PG_INDEX_EXISTS, {"name": PG_SEARCH_INDEX.name}) is None:
            return False
        if count < PG_REBUILD_FACTOR * db.session.scalar(select(func.count()).select_from(Ticket)):
            return False
        PG_SEARCH_INDEX.drop(db.session.connection())
        return True
    statement = search_index.TRIGGERS[search_index.INSERT_TRIGGER]
    # only a trigger this module can put back exactly as it was
    if db.session.scalar(_SQLITE_INSERT_TRIGGER, {"name": search_index.INSERT_TRIGGER}) != statement:
        return False
    db.session.execute(text(f"DROP TRIGGER {search_index.INSERT_TRIGGER}"))
    return True


def _resume_search_index(last_id: int, postgresql: bool) -> None:
    """Bring back what _pause_search_index set aside, with the tickets after `last_id` indexed."""
    if postgresql:
        PG_SEARCH_INDEX.create(db.session.connection())
        return
    db.session.execute(text(search_index.TRIGGERS[search_index.INSERT_TRIGGER]))
    db.session.execute(text(search_index.INDEX_AFTER), {"after_id": last_id})


def _row(ticket_id, created, rng, now, sellers, categories, departments, calendars, agents, rt) -> dict:
    category = rng.choice(categories)
    code = CATEGORY_DEPARTMENT[category]
    department = departments[code]
    due = sla.first_response_due(created, rt.policy, calendars[code])
    at_risk = sla.at_risk_from(due, rt.policy, calendars[code])
    seller_id, seller_code, seller_name = rng.choice(sellers)
    tracking = f"NVB{ticket_id:010d}"
    description = " ".join(rng.sample(WORDS, 4))
    reference = make_reference(ticket_id, created, rt)
    pool = agents.get(department.id) or [None]
    row = dict(id=ticket_id, reference=reference, seller_id=seller_id, category=category,
               department_id=department.id,
               priority=rng.choices(["normal", "high", "urgent"], [85, 12, 3])[0], status="new",
               tracking_numbers=tracking, description=description, contact_phone=None,
               search_text=search_text(reference, seller_code, seller_name, tracking, description),
               created_at=created, updated_at=created, first_response_due_at=due, at_risk_at=at_risk,
               first_responded_at=None, resolved_at=None, closed_at=None, self_resolved=False,
               assignee_id=rng.choice(pool), routing_explanation=f"{code}: category {category} (generated)",
               routing_rule_version="generated", at_risk_marked_at=None, breached_at=None, escalated_at=None,
               manager_escalated_at=None, csat_score=None, csat_comment=None, rated_at=None, merged_into_id=None,
               submission_key=None)
    roll = rng.random()
    if due < now and roll < 0.95 or due >= now and roll < 0.5:
        # answered: mostly in time, some late
        limit = (due - created).total_seconds() * (1.6 if roll < 0.1 else 0.95)
        responded = created + dt.timedelta(seconds=rng.uniform(60, max(limit, 120)))
        if responded > now:
            responded = now
        row.update(first_responded_at=responded, status="open")
        if responded >= at_risk:
            row["at_risk_marked_at"] = at_risk
        if responded > due:
            row.update(breached_at=due, escalated_at=due)
        if responded < now - dt.timedelta(hours=6) and rng.random() < 0.9:
            resolved = responded + dt.timedelta(minutes=rng.randint(5, 600))
            row.update(status=rng.choice(["resolved", "closed"]), resolved_at=min(resolved, now))
            if rng.random() < 0.4:
                row.update(csat_score=rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 35, 45])[0], rated_at=row["resolved_at"])
    elif due < now:
        # never answered: the sweep has already marked it
        row.update(status="open", at_risk_marked_at=at_risk, breached_at=due, escalated_at=due,
                   manager_escalated_at=due + dt.timedelta(hours=2) if due + dt.timedelta(hours=2) <= now else None)
    elif at_risk < now:
        row["at_risk_marked_at"] = at_risk
    return row
