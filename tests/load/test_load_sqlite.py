"""SQLite under the production layout (two gunicorn workers and the SLA scheduler, `make serve`):
16 sellers submit while the scheduler sweeps every 5 s and tickets cross their due times.
One run, two verdicts: nothing lost or doubled, and no "database is locked" anywhere."""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable

import pytest

from tests.load.checks import LOAD_SECONDS, MIN_SUBMISSIONS, SUBMISSIONS, assert_all_answered, log_alarms
from tests.load.loadkit import LoadResult, Portal, check_ledger, references, run_load

SWEEP_INTERVAL = 5
MOVE_EVERY = 2.0


@dataclasses.dataclass
class SchedulerRun:
    result: LoadResult
    before: set[str]
    overdue: list[int]  # made due now (or, for `late`, hours ago): the next sweep must mark them
    late: list[int]  # due over two hours ago: escalated to managers as well
    crossing: list[int]  # due a few seconds after the move: they cross their due time during the run
    pending: list[int]  # moved tickets the scheduler had not marked at the end
    scheduler_log: str
    scheduler_alive: bool

    @property
    def moved(self) -> list[int]:
        return self.overdue + self.late + self.crossing

    @property
    def sweeps(self) -> list[str]:
        return [line for line in self.scheduler_log.splitlines() if "sla sweep at_risk=" in line]


def _stamp(moment: dt.datetime) -> str:
    # how the portal stores a UTC instant in SQLite
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _ids(ids: list[int]) -> str:
    return ",".join(map(str, ids)) or "0"


def _mover(portal: Portal, floor: int, run: SchedulerRun, scheduler_running: Callable[[], bool]):
    """Every 2 s while the clients write, move some new tickets' SLA clocks to now, hours ago or
    a few seconds ahead, with direct SQL (a third writer beside the workers and the scheduler)."""
    def move(clients_running: Callable[[], bool]) -> None:
        while clients_running():
            assert scheduler_running(), "the scheduler exited during the run"
            now = dt.datetime.now(dt.UTC)
            for target, due, count in ((run.overdue, now, 6), (run.late, now - dt.timedelta(hours=3), 3),
                                       (run.crossing, now + dt.timedelta(seconds=3), 6)):
                rows = portal.query(
                    "UPDATE tickets SET first_response_due_at = :due, at_risk_at = :risk WHERE id IN ("
                    " SELECT id FROM tickets WHERE id > :floor AND at_risk_marked_at IS NULL"
                    " AND breached_at IS NULL AND first_responded_at IS NULL"
                    f" AND id NOT IN ({_ids(run.moved)}) ORDER BY id DESC LIMIT :n) RETURNING id",
                    due=_stamp(due), risk=_stamp(min(due, now) - dt.timedelta(minutes=1)), floor=floor, n=count)
                target += [r[0] for r in rows]
            deadline = time.monotonic() + MOVE_EVERY
            while clients_running() and time.monotonic() < deadline:
                time.sleep(0.1)
    return move


@pytest.fixture(scope="module")
def scheduler_run(sqlite_portal) -> SchedulerRun:
    portal = sqlite_portal
    before = references(portal)
    floor = portal.scalar("SELECT COALESCE(MAX(id), 0) FROM tickets")
    scheduler = portal.start_scheduler(SWEEP_INTERVAL)
    run = SchedulerRun(LoadResult(0, 0, [], [], []), before, [], [], [], [], "", False)
    try:
        run.result = run_load(portal.links(), total=SUBMISSIONS, duration=LOAD_SECONDS,
                              during=_mover(portal, floor, run, scheduler.running))
        # the sweeps after the last move must mark every moved ticket (all are due by now)
        deadline = time.monotonic() + SWEEP_INTERVAL * 3
        while time.monotonic() < deadline:
            run.pending = [r[0] for r in portal.query(
                f"SELECT id FROM tickets WHERE id IN ({_ids(run.moved)}) AND (breached_at IS NULL"
                f" OR at_risk_marked_at IS NULL OR (id IN ({_ids(run.late)}) AND manager_escalated_at IS NULL))")]
            if not run.pending:
                break
            time.sleep(1)
        run.scheduler_alive = scheduler.running()
    finally:
        scheduler.stop()
        run.scheduler_log = scheduler.text()
    return run


def test_sqlite_submissions_are_neither_lost_nor_doubled(sqlite_portal, scheduler_run, report):
    result = scheduler_run.result
    report(result.summary("SQLite (2 workers x 4 threads + scheduler)"))
    assert_all_answered(result, MIN_SUBMISSIONS)
    check_ledger(sqlite_portal, result, scheduler_run.before)
    assert not log_alarms(sqlite_portal.log("web")), log_alarms(sqlite_portal.log("web"))


def test_sqlite_scheduler_beside_two_workers_never_shows_a_lock(sqlite_portal, scheduler_run, report):
    run = scheduler_run
    report(f"SQLite scheduler: {len(run.sweeps)} sweeps during {run.result.elapsed:.0f} s of load; "
           f"{len(run.moved)} tickets made due ({len(run.overdue)} now, {len(run.late)} 3 h ago, "
           f"{len(run.crossing)} crossing their due time), {len(run.pending)} left unmarked")
    assert run.scheduler_alive, f"the scheduler exited:\n{run.scheduler_log[-3000:]}"
    assert len(run.sweeps) >= 3, run.scheduler_log[-3000:]
    assert len(run.overdue) >= 6 and len(run.crossing) >= 6 and len(run.late) >= 3, "too few tickets made due"
    assert not run.pending, f"the scheduler did not mark tickets {run.pending[:10]}"
    repeated = sqlite_portal.query(
        f"SELECT ticket_id, kind, COUNT(*) FROM events WHERE ticket_id IN ({_ids(run.moved)})"
        " AND kind IN ('sla_at_risk', 'sla_breached') GROUP BY ticket_id, kind HAVING COUNT(*) <> 1")
    assert not repeated, f"SLA events recorded more than once: {repeated[:10]}"
    # no user saw a 5xx (a lock that outlived the busy timeout would be one) and no log mentions a lock
    assert not [k for k in run.result.statuses if isinstance(k[1], int) and k[1] >= 500]
    assert not log_alarms(sqlite_portal.log("web")), log_alarms(sqlite_portal.log("web"))
    assert not log_alarms(run.scheduler_log), log_alarms(run.scheduler_log)
