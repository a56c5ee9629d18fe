"""The in-memory rate-limit storage under threads (portal/rate_limit_storage.py): one expiry thread
per process instead of a timer thread started by every hit, and no hit lost or failed."""
from __future__ import annotations

import os
import threading
import time

import pytest
from limits.storage import MemoryStorage, storage_from_string

from portal.rate_limit_storage import SweptMemoryStorage


class QuickSweeps(SweptMemoryStorage):
    SWEEP_SECONDS = 0.05


def _errors_under_threads(storage, threads: int = 8, rounds: int = 15) -> list[Exception]:
    """Rounds of hits from several threads at once, each round after a pause (where limits' class
    would start its timer again, from several threads at once)."""
    errors: list[Exception] = []
    for _ in range(rounds):
        time.sleep(0.03)
        start = threading.Barrier(threads)

        def hit(n: int, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                storage.incr(f"seller:{n % 2}", 60)
            except RuntimeError as exc:
                errors.append(exc)

        workers = [threading.Thread(target=hit, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return errors


@pytest.fixture
def started_threads(monkeypatch) -> list[str]:
    """The names of the threads started while the test runs."""
    names: list[str] = []
    start = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        names.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    return names


def _hits_spread_over_time(storage, hits: int = 60) -> None:
    for n in range(hits):
        storage.incr(f"seller:{n % 3}", 60)
        time.sleep(0.004)  # longer, all told, than limits' 10 ms timer many times over


def test_memory_uris_get_the_swept_storage(app):
    from portal.extensions import limiter

    assert isinstance(storage_from_string("memory://"), SweptMemoryStorage)
    assert isinstance(limiter.storage, SweptMemoryStorage)


def test_limits_own_storage_starts_a_thread_for_hit_after_hit(started_threads):
    """What the portal's class avoids: under steady traffic, limits' class starts a new timer
    thread for most hits."""
    _hits_spread_over_time(MemoryStorage())
    assert len(started_threads) > 10


def test_the_portals_storage_starts_one_thread_for_any_number_of_hits(started_threads):
    storage = SweptMemoryStorage()
    started_threads.clear()  # the base class's one timer at creation
    _hits_spread_over_time(storage)
    assert started_threads == ["rate-limit-expiry"]
    assert storage.get("seller:0") == 20


def test_the_portals_memory_storage_counts_every_hit_without_failing(started_threads):
    """Eight threads hit a new storage at once: one of them starts the sweeper, none fails."""
    storage = SweptMemoryStorage()
    assert _errors_under_threads(storage) == []
    assert storage.get("seller:0") + storage.get("seller:1") == 8 * 15
    assert started_threads.count("rate-limit-expiry") == 1


def test_the_sweep_drops_expired_counters_and_window_entries_and_keeps_live_ones():
    storage = QuickSweeps()
    storage.incr("fixed:gone", 0.01)
    assert storage.acquire_entry("moving:gone", 5, 0.01)
    storage.incr("fixed:kept", 60)
    assert storage.acquire_entry("moving:kept", 5, 60)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and ("fixed:gone" in storage.storage or storage.events.get("moving:gone")):
        time.sleep(0.02)
    # looked at directly: a read through get() would itself drop an expired counter
    assert "fixed:gone" not in storage.storage and "fixed:gone" not in storage.expirations
    assert storage.events.get("moving:gone") == []  # limits keeps the emptied window's key
    assert storage.storage["fixed:kept"] == 1 and len(storage.events["moving:kept"]) == 1


def test_the_sweep_goes_on_after_a_read_dropped_a_counter_under_it(monkeypatch):
    """limits' expiry lists the keys, then reads each one's expiry time; a request's read may drop
    an expired counter in between, and the expiry raises KeyError. The sweeper must not die of it."""
    storage = QuickSweeps()
    expire_events = MemoryStorage._MemoryStorage__expire_events
    calls: list[int] = []

    def expire_meeting_the_race_once(self) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("fixed:gone")
        expire_events(self)

    monkeypatch.setattr(MemoryStorage, "_MemoryStorage__expire_events", expire_meeting_the_race_once)
    time.sleep(0.05)  # limits' own timer from the creation has run: only the sweeper expires from here
    storage.incr("fixed:gone", 0.01)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "fixed:gone" in storage.storage:
        time.sleep(0.02)
    assert len(calls) >= 2 and storage._sweeper.is_alive()
    assert "fixed:gone" not in storage.storage


def test_a_forked_worker_starts_its_own_sweeper():
    """gunicorn forks its workers: a storage made before the fork finds its parent's sweeper gone
    in the child and starts one there."""
    storage = QuickSweeps()
    storage.incr("before-fork", 60)
    parent_sweeper = storage._sweeper
    assert parent_sweeper.is_alive()
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code, never return into pytest
        code = 1
        try:
            storage.incr("fixed:gone", 0.01)
            sweeper = storage._sweeper
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and "fixed:gone" in storage.storage:
                time.sleep(0.02)
            if sweeper is not parent_sweeper and sweeper.is_alive() and "fixed:gone" not in storage.storage:
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert storage._sweeper is parent_sweeper and parent_sweeper.is_alive()
