"""The in-process rate-limit storage (portal/rate_limit_storage.py), a limits backend written to the
library's public interface: fixed windows counted exactly under threads, expired counters dropped
without any thread, and limits' own strategies working on it."""
from __future__ import annotations

import threading
import time

import pytest
from limits import RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.rate_limit_storage import ProcessMemoryStorage


@pytest.fixture
def storage() -> ProcessMemoryStorage:
    return ProcessMemoryStorage()


def test_the_scheme_gives_this_storage():
    assert isinstance(storage_from_string("portal-memory://"), ProcessMemoryStorage)


def test_counts_within_a_window_and_starts_again_after_it(storage):
    assert [storage.incr("k", 0.2) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.incr("k", 0.2, amount=2) == 5
    end = storage.get_expiry("k")
    assert time.time() < end <= time.time() + 0.2
    time.sleep(0.25)
    assert storage.get("k") == 0 and storage.incr("k", 0.2) == 1


def test_get_expiry_of_an_unknown_key_is_now(storage):
    assert abs(storage.get_expiry("nobody") - time.time()) < 0.05


def test_clear_and_reset(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 1
    assert storage.reset() == 1 and storage.get("b") == 0
    assert storage.check() is True


def test_limits_fixed_window_strategy_refuses_past_the_limit(storage):
    limiter = FixedWindowRateLimiter(storage)
    item = parse("3/second")
    assert [limiter.hit(item, "seller", "1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "seller", "2")  # another key has its own budget
    stats = limiter.get_window_stats(item, "seller", "1")
    assert stats.remaining == 0 and stats.reset_time > time.time()
    time.sleep(1.05)
    assert limiter.hit(RateLimitItemPerSecond(3), "seller", "1")


def test_no_hit_is_lost_under_threads(storage):
    threads, hits = 8, 500
    start = threading.Barrier(threads)

    def hit() -> None:
        start.wait()
        for _ in range(hits):
            storage.incr("seller:1", 60)

    workers = [threading.Thread(target=hit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get("seller:1") == threads * hits


def test_hits_start_no_thread(storage, monkeypatch):
    started: list[str] = []
    original = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t.name), original(t)))
    for n in range(200):
        storage.incr(f"seller:{n % 7}", 0.001)
    assert started == []


class QuickSweeps(ProcessMemoryStorage):
    STORAGE_SCHEME = ["portal-memory-test"]
    SWEEP_SECONDS = 0.05


def test_counters_nobody_reads_are_swept():
    storage = QuickSweeps()
    for n in range(100):
        storage.incr(f"gone:{n}", 0.01)
    time.sleep(0.1)
    storage.incr("new", 60)  # the next hit after SWEEP_SECONDS drops the expired ones
    assert storage.reset() == 1
