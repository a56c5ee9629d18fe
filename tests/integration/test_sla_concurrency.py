"""SLA enforcement under concurrency, with real processes on the suite's real database.

Two `sla scheduler` processes over tickets crossing their due times, a sweeper killed with
SIGKILL mid-sweep and restarted, and two sweeps racing over one backlog: every ticket ends with
exactly one at-risk event, one breach event and one escalation to leads, and no notification
is repeated."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import bindparam, func, insert, select, update

from portal.extensions import db
from portal.models import Department, Event, Notification, Seller, Ticket, User, user_departments
from portal.services import sellers, sla_jobs, staff_actions, tickets
from portal.services.runtime import runtime

pytestmark = pytest.mark.serial  # racing processes against the clock: run alone

ROOT = Path(__file__).resolve().parents[2]
SWEEP_LINE = re.compile(r"at_risk=(\d+) breached=(\d+) escalated=(\d+)")
CATEGORIES = ("delivery_delay", "order_return_status", "finance", "app_bug", "other")
MANAGERS_AFTER = dt.timedelta(minutes=120)  # the default SLA_MANAGER_ESCALATION_MINUTES
SCHEDULER_TICKETS = 300
KILL_BACKLOG = 10_000  # 20 batches per phase: room to kill a sweeper in the middle of one
RACE_BACKLOG = 4_000


# --- processes -------------------------------------------------------------------------------

def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret-key", PYTHONUNBUFFERED="1",
               UPLOAD_DIR=str(tmp_path / "uploads"), REPORTS_DIR=str(tmp_path / "reports"),
               SLA_MANAGER_ESCALATION_MINUTES=str(int(MANAGERS_AFTER.total_seconds() // 60)))
    for name in ("PORTAL_TIMEZONE", "SLA_FIRST_RESPONSE_HOURS", "SLA_AT_RISK_MINUTES", "PORTAL_ENV"):
        env.pop(name, None)
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(_flask(*args), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _sweep_counts(output: str) -> list[tuple[int, int, int]]:
    return [tuple(int(n) for n in m.groups()) for m in SWEEP_LINE.finditer(output)]


def _assert_clean_log(text: str, name: str) -> None:
    for bad in ("Traceback", "raised an exception", "database is locked", "deadlock", "Error"):
        assert bad not in text, f"{name} logged {bad!r}:\n{text[-4000:]}"


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 20) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


@pytest.fixture
def observer(database_url):
    """A plain engine for watching progress from outside the sweepers: on SQLite its reads take
    no write lock (the app's engine begins every transaction IMMEDIATE), so it disturbs nothing."""
    engine = sa.create_engine(database_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _drop_bulk_rows(app, database_url, observer):
    """Leave no backlog behind. The suite's per-test cleanup deletes with foreign keys on, and
    SQLite then scans the unindexed tickets.merged_into_id once per deleted ticket: minutes for a
    large backlog. A plain connection (foreign keys off) clears it at once."""
    yield
    db.session.remove()
    if database_url.startswith("sqlite"):
        with observer.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def _marked(engine, column) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Ticket).where(column.is_not(None))).scalar_one()


def _release_database() -> None:
    """Nothing of this process may hold a transaction while the sweepers run."""
    db.session.commit()
    db.session.remove()


# --- data ------------------------------------------------------------------------------------

def _staffing() -> tuple[dict[str, int], dict[int, list[int]], dict[int, set[int]], set[int]]:
    departments = {d.code: d.id for d in db.session.scalars(select(Department))}
    agents: dict[int, list[int]] = {}
    leads: dict[int, set[int]] = {}
    for dept_id, user_id, role in db.session.execute(
            select(user_departments.c.department_id, User.id, User.role)
            .join(User, User.id == user_departments.c.user_id).where(User.active.is_(True))):
        if role == "agent":
            agents.setdefault(dept_id, []).append(user_id)
        elif role == "lead":
            leads.setdefault(dept_id, set()).add(user_id)
    managers = set(db.session.scalars(select(User.id).where(User.role == "manager", User.active.is_(True))))
    return departments, agents, leads, managers


def _insert_backlog(dues: list[dt.datetime]) -> list[int]:
    """Waiting tickets with the given due times (at risk an hour before), inserted in bulk;
    every other one is assigned to an agent, the rest wait for the department's leads."""
    departments, agents, _leads, _managers = _staffing()
    dept_of = {"delivery_delay": "delivery", "order_return_status": "returns", "finance": "finance",
               "app_bug": "apps", "other": "triage"}
    seller_ids = list(db.session.scalars(select(Seller.id).order_by(Seller.id)))
    rows = []
    for i, due in enumerate(dues):
        category = CATEGORIES[i % len(CATEGORIES)]
        dept_id = departments[dept_of[category]]
        pool = agents.get(dept_id)
        created = due - dt.timedelta(hours=4)
        rows.append(dict(
            reference=f"T-SLA-{i:06d}", seller_id=seller_ids[i % len(seller_ids)], category=category,
            department_id=dept_id, priority="normal", status="new", tracking_numbers=f"NVS{i:010d}",
            description="Shipper chưa đến lấy hàng", contact_phone=None, search_text=f"t-sla-{i:06d}",
            created_at=created, updated_at=created, first_response_due_at=due,
            at_risk_at=due - dt.timedelta(hours=1), first_responded_at=None, self_resolved=False,
            assignee_id=pool[i % len(pool)] if pool and i % 2 == 0 else None,
            routing_explanation=f"{dept_of[category]}: category {category}", routing_rule_version="test"))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Ticket.__table__), rows[start:start + 5000])
    db.session.commit()
    return list(db.session.scalars(select(Ticket.id).where(Ticket.reference.like("T-SLA-%")).order_by(Ticket.id)))


def _sla_events(ticket_ids: list[int]) -> dict[int, Counter]:
    """Per ticket: how many sla_at_risk, sla_breached, escalated/leads and escalated/managers events."""
    out: dict[int, Counter] = {ticket_id: Counter() for ticket_id in ticket_ids}
    query = select(Event.ticket_id, Event.kind, Event.data_json).where(
        Event.kind.in_(("sla_at_risk", "sla_breached", "escalated")))
    for ticket_id, kind, data in db.session.execute(query):
        if ticket_id in out:
            out[ticket_id][f"escalated:{json.loads(data).get('to')}" if kind == "escalated" else kind] += 1
    return out


def _assert_exactly_once(ticket_ids: list[int]) -> None:
    """Each ticket: marks set, one event of each kind, one escalation to leads, at most one to
    managers exactly when the mark says so, notifications unique and reaching the leads."""
    db.session.expire_all()
    _departments, _agents, leads, managers = _staffing()
    events = _sla_events(ticket_ids)
    marks = {row.id: row for row in db.session.execute(
        select(Ticket.id, Ticket.department_id, Ticket.assignee_id, Ticket.at_risk_marked_at, Ticket.breached_at,
               Ticket.escalated_at, Ticket.manager_escalated_at).where(Ticket.id.in_(ticket_ids)))}
    wrong = {}
    for ticket_id in ticket_ids:
        row, seen = marks[ticket_id], events[ticket_id]
        expected = Counter({"sla_at_risk": 1, "sla_breached": 1, "escalated:leads": 1,
                            "escalated:managers": 1 if row.manager_escalated_at else 0})
        if +seen != +expected or not (row.at_risk_marked_at and row.breached_at and row.escalated_at):
            wrong[ticket_id] = dict(seen)
    assert not wrong, f"{len(wrong)} tickets not enforced exactly once, e.g. {list(wrong.items())[:5]}"
    repeated = db.session.execute(
        select(Notification.user_id, Notification.ticket_id, Notification.kind, func.count())
        .where(Notification.ticket_id.in_(ticket_ids))
        .group_by(Notification.user_id, Notification.ticket_id, Notification.kind)
        .having(func.count() > 1).limit(5)).all()
    assert not repeated, f"repeated notifications: {repeated}"
    notified: dict[tuple[int, str], set[int]] = {}
    for user_id, ticket_id, kind in db.session.execute(
            select(Notification.user_id, Notification.ticket_id, Notification.kind)
            .where(Notification.ticket_id.in_(ticket_ids))):
        notified.setdefault((ticket_id, kind), set()).add(user_id)
    for ticket_id in ticket_ids:
        row = marks[ticket_id]
        expected = set(leads.get(row.department_id, ())) | (managers if row.manager_escalated_at else set())
        assert notified.get((ticket_id, "escalated"), set()) == expected, ticket_id
        at_risk_to = {row.assignee_id} if row.assignee_id else set(leads.get(row.department_id, ()))
        assert notified.get((ticket_id, "sla_at_risk"), set()) == at_risk_to, ticket_id
        breach_to = {row.assignee_id} if row.assignee_id else set()
        assert notified.get((ticket_id, "sla_breached"), set()) == breach_to, ticket_id


def _assert_marks_match_events() -> dict[str, tuple[int, int]]:
    """What a sweep commits, it commits whole: every mark has its event and no event lacks its mark."""
    db.session.expire_all()
    counts = {}
    for column, kind in ((Ticket.at_risk_marked_at, "sla_at_risk"), (Ticket.breached_at, "sla_breached"),
                         (Ticket.manager_escalated_at, "escalated")):
        marked = db.session.scalar(select(func.count()).select_from(Ticket).where(column.is_not(None)))
        logged = db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))
        if kind == "escalated":  # leads escalations go with the breach mark
            logged -= db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.breached_at.is_not(None)))
        counts[kind] = (marked, logged)
        assert marked == logged, f"{kind}: {marked} tickets marked but {logged} events"
    _release_database()
    return counts


# --- two schedulers --------------------------------------------------------------------------

def test_two_schedulers_over_tickets_crossing_their_due_times_enforce_each_once(app, demo, database_url, tmp_path,
                                                                                observer):
    rt = runtime()
    shop_codes = [f"DEMO-{i:03d}" for i in range(1, 21)]
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    made = []
    for i in range(SCHEDULER_TICKETS + 12):
        ticket, _ = tickets.create_ticket(sellers.by_code(shop_codes[i % 20]), tickets.NewTicket(
            category=CATEGORIES[i % 5], description=f"Đơn hàng số {i} chưa được lấy hàng",
            tracking_numbers=(f"NVC{i:08d}",)), now=base, rt=rt)
        made.append(ticket.id)
    watched, answered, later = made[:SCHEDULER_TICKETS], made[SCHEDULER_TICKETS:-6], made[-6:]
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    for ticket_id in answered:  # answered in time: never at risk, never breached
        staff_actions.reply(db.session.get(Ticket, ticket_id), agent, "Đã tiếp nhận", False, now=base)

    # due times spread over the next few seconds, at risk a little before; some are at risk already
    t0 = dt.datetime.now(dt.UTC)
    spread = [t0 + dt.timedelta(seconds=4 + 16 * i / SCHEDULER_TICKETS) for i in range(SCHEDULER_TICKETS)]
    params = [{"tid": tid, "due": due, "risk": due - dt.timedelta(seconds=7)}
              for tid, due in zip(watched, spread, strict=True)]
    params += [{"tid": tid, "due": t0 + dt.timedelta(seconds=10), "risk": t0} for tid in answered]
    params += [{"tid": tid, "due": t0 + dt.timedelta(hours=1), "risk": t0 + dt.timedelta(minutes=59)}
               for tid in later]
    db.session.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == bindparam("tid"))
                       .values(first_response_due_at=bindparam("due"), at_risk_at=bindparam("risk")), params)
    _release_database()
    last_due = spread[-1]

    env = _env(database_url, tmp_path)
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]
    procs = [_spawn(["sla", "scheduler", "--interval", "5"], env, log) for log in logs]
    try:
        # until every watched ticket is breached, then one more full interval in which both
        # schedulers sweep again over tickets that are all marked already
        deadline = time.monotonic() + (last_due - dt.datetime.now(dt.UTC)).total_seconds() + 20
        while _marked(observer, Ticket.breached_at) < SCHEDULER_TICKETS:
            assert all(p.poll() is None for p in procs), "a scheduler exited early"
            assert time.monotonic() < deadline, "the schedulers did not breach every ticket in time"
            time.sleep(0.25)
        time.sleep(5.5)
        assert all(p.poll() is None for p in procs), "a scheduler exited early"
    finally:
        codes = [_stop(p) for p in procs]
    assert codes == [0, 0]

    outputs = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    totals = [0, 0, 0]
    for name, text in zip(("scheduler A", "scheduler B"), outputs, strict=True):
        _assert_clean_log(text, name)
        runs = _sweep_counts(text)
        assert len(runs) >= 4, f"{name} swept only {len(runs)} times:\n{text[-3000:]}"
        assert runs[-1] == (0, 0, 0), f"{name}: the last sweep still found work: {runs}"
        for i, n in enumerate(map(sum, zip(*runs, strict=True))):
            totals[i] += n
    # what the two processes say they did adds up to each ticket once
    assert totals == [SCHEDULER_TICKETS, SCHEDULER_TICKETS, SCHEDULER_TICKETS]
    # some tickets were marked at risk on one sweep and breached on a later one
    db.session.expire_all()
    crossed = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.id.in_(watched), Ticket.at_risk_marked_at < Ticket.breached_at))
    assert crossed > 0
    _assert_exactly_once(watched)
    events = _sla_events(answered + later)
    assert all(not +c for c in events.values()), {k: dict(v) for k, v in events.items() if +v}


# --- a sweeper killed mid-sweep --------------------------------------------------------------

def _run_until_then_kill(args, env, log, observer, column, low: int, high: int) -> int:
    """Start a sweeper, SIGKILL it once between `low` and `high` tickets carry `column`."""
    proc = _spawn(args, env, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            seen = _marked(observer, column)
            if low <= seen < high:
                break
            assert seen < high, f"the sweep got past {high} before it could be killed"
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        code = proc.wait(timeout=60)
    assert code == -signal.SIGKILL
    if observer.dialect.name == "postgresql":
        # the server rolls back a dead client's transaction once its statement ends; until then its
        # rows are locked, and the next sweeper would skip them for its pass
        deadline = time.monotonic() + 30
        while _busy_backends(observer):
            assert time.monotonic() < deadline, "the killed sweeper's transaction never ended"
            time.sleep(0.05)
    return seen


def _busy_backends(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid() AND state <> 'idle'")).scalar_one()


def test_sweeper_killed_mid_sweep_and_restarted_leaves_each_breach_escalated_once(app, demo, database_url, tmp_path,
                                                                                  observer):
    start = dt.datetime.now(dt.UTC)
    # overdue by one minute up to three hours: about a third also due for the managers
    dues = [start - dt.timedelta(minutes=1) - (3 * dt.timedelta(hours=1) * i / KILL_BACKLOG)
            for i in range(KILL_BACKLOG)]
    ids = _insert_backlog(dues)
    assert len(ids) == KILL_BACKLOG
    _release_database()
    env = _env(database_url, tmp_path)
    batch = sla_jobs.BATCH

    # killed while marking at-risk tickets, then while marking breaches
    _run_until_then_kill(["sla", "sweep"], env, tmp_path / "kill-1.log", observer, Ticket.at_risk_marked_at,
                         batch, KILL_BACKLOG - 2 * batch)
    first = _assert_marks_match_events()
    assert first["sla_at_risk"][0] < KILL_BACKLOG and first["sla_breached"][0] == 0
    _run_until_then_kill(["sla", "sweep"], env, tmp_path / "kill-2.log", observer, Ticket.breached_at,
                         batch, KILL_BACKLOG - 2 * batch)
    second = _assert_marks_match_events()
    assert second["sla_at_risk"][0] == KILL_BACKLOG and 0 < second["sla_breached"][0] < KILL_BACKLOG

    # the restarted sweep finishes the job and reports exactly what was left
    done = subprocess.run(_flask("sla", "sweep"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    at_risk, breached, escalated = _sweep_counts(done.stdout.strip().splitlines()[-1])[0]
    assert at_risk == 0
    assert breached == KILL_BACKLOG - second["sla_breached"][0]
    db.session.expire_all()
    managers = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.manager_escalated_at.is_not(None)))
    assert escalated == breached + managers - second["escalated"][0]
    # tickets that were past the managers' threshold from the start were all escalated to them
    clearly = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.first_response_due_at < start - MANAGERS_AFTER - dt.timedelta(minutes=1),
        Ticket.manager_escalated_at.is_(None)))
    assert clearly == 0 and managers > KILL_BACKLOG // 4
    _assert_exactly_once(ids)
    _release_database()

    again = subprocess.run(_flask("sla", "sweep"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1].startswith("at_risk=0 breached=0")


# --- two sweeps racing over one backlog ------------------------------------------------------

def _race_backlog() -> tuple[list[int], dt.datetime, int]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # overdue by one minute up to four hours: half of them also due for the managers
    dues = [now - dt.timedelta(minutes=1) - (4 * dt.timedelta(hours=1) * i / RACE_BACKLOG)
            for i in range(RACE_BACKLOG)]
    ids = _insert_backlog(dues)
    managers = sum(1 for due in dues if due <= now - MANAGERS_AFTER)
    _release_database()
    return ids, now, managers


def _assert_race_totals(results: list[tuple[int, int, int]], ids: list[int], managers: int) -> None:
    totals = tuple(map(sum, zip(*results, strict=True)))
    assert totals == (RACE_BACKLOG, RACE_BACKLOG, RACE_BACKLOG + managers), results
    _assert_exactly_once(ids)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.manager_escalated_at.is_not(None))) == managers


def test_two_sweep_processes_on_one_backlog_count_each_ticket_once(app, demo, database_url, tmp_path):
    ids, now, managers = _race_backlog()
    env = _env(database_url, tmp_path)
    logs = [tmp_path / "sweep-a.log", tmp_path / "sweep-b.log"]
    procs = [_spawn(["sla", "sweep", "--now", now.isoformat()], env, log) for log in logs]
    codes = [p.wait(timeout=300) for p in procs]
    outputs = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
    assert codes == [0, 0], outputs
    for name, text in zip(("sweep A", "sweep B"), outputs, strict=True):
        _assert_clean_log(text, name)
    _assert_race_totals([_sweep_counts(text.strip().splitlines()[-1])[0] for text in outputs], ids, managers)


def test_two_sweep_threads_started_together_count_each_ticket_once(app, demo):
    ids, now, managers = _race_backlog()
    flask_app = app
    barrier = threading.Barrier(2)
    results: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []

    def worker():
        with flask_app.app_context():
            try:
                barrier.wait(timeout=30)
                result = sla_jobs.sweep(now, MANAGERS_AFTER)
                results.append((result.at_risk, result.breached, result.escalated))
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(results) == 2
    _assert_race_totals(results, ids, managers)


# --- a reply in progress while a sweep runs ------------------------------------------------

def test_ticket_being_answered_while_a_sweep_runs_is_neither_at_risk_nor_breached(app, demo, database_url, observer):
    now = dt.datetime.now(dt.UTC)
    ids = _insert_backlog([now - dt.timedelta(minutes=5)] * 3)
    answered = ids[1]
    _release_database()
    flask_app, results, errors = app, [], []

    def sweeper():
        with flask_app.app_context():
            try:
                results.append(sla_jobs.sweep(now, MANAGERS_AFTER))
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    # a staff reply's transaction has written the ticket but not committed when the sweep starts
    with observer.connect() as reply:
        reply.execute(update(Ticket).where(Ticket.id == answered)
                      .values(first_responded_at=now - dt.timedelta(minutes=10), status="open"))
        thread = threading.Thread(target=sweeper)
        thread.start()
        # PostgreSQL: the sweep skips the locked ticket and finishes; SQLite: it waits for the write lock
        thread.join(timeout=10 if database_url.startswith("postgresql") else 1)
        finished_during_reply = not thread.is_alive()
        reply.commit()
    thread.join(timeout=60)
    assert not errors, errors
    assert results == [sla_jobs.SweepResult(at_risk=2, breached=2, escalated=2)]
    assert sla_jobs.sweep(now, MANAGERS_AFTER) == sla_jobs.SweepResult(0, 0, 0)
    db.session.expire_all()
    ticket = db.session.get(Ticket, answered)
    assert (ticket.at_risk_marked_at, ticket.breached_at, ticket.escalated_at) == (None, None, None)
    assert not +_sla_events([answered])[answered]
    assert not db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.ticket_id == answered))
    _assert_exactly_once([ids[0], ids[2]])
    # rows held by another transaction never make a PostgreSQL sweep wait
    assert finished_during_reply == database_url.startswith("postgresql")
