"""The rate limiter's storage when no shared one (Redis) is configured: fixed-window counters in this
process's memory, a `limits` storage backend written to the library's public Storage interface and
registered under its own scheme, `portal-memory://` (the default of RATELIMIT_STORAGE_URI).

Why not limits' own `memory://`: its MemoryStorage drops expired counters from a timer thread that
each hit starts again 10 ms later, so under steady traffic every limited request starts a thread
(about 8 % of a worker's CPU in the submission benchmark), and two threads of one worker can start
the same timer twice, failing a request (limits pull request #352, unreleased in 5.8.0). Here no
thread is started at all: a counter past its window is dropped when it is read, and a pass over all
counters, at most once every SWEEP_SECONDS, frees the keys nobody uses any more. Expiry is never what
enforces a limit: every counter is checked against its own window when read."""
from __future__ import annotations

import threading
import time

from limits.storage import Storage


class ProcessMemoryStorage(Storage):
    STORAGE_SCHEME = ["portal-memory"]
    SWEEP_SECONDS = 10.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._counters: dict[str, list] = {}  # key: [count, window end (time.time())]
        self._lock = threading.Lock()
        self._next_sweep = time.time() + self.SWEEP_SECONDS

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError  # nothing here fails the way a server can; limits wants the type all the same

    def _live(self, key: str, now: float) -> list | None:
        counter = self._counters.get(key)
        if counter is not None and counter[1] <= now:
            del self._counters[key]
            return None
        return counter

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.SWEEP_SECONDS
        for key in [key for key, (_count, end) in self._counters.items() if end <= now]:
            del self._counters[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the key's counter, opening a window of `expiry` seconds if it has none."""
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            counter = self._live(key, now)
            if counter is None:
                counter = self._counters[key] = [0, now + expiry]
            counter[0] += amount
            return counter[0]

    def get(self, key: str) -> int:
        with self._lock:
            counter = self._live(key, time.time())
            return counter[0] if counter else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (seconds since the epoch); now when it has none."""
        now = time.time()
        with self._lock:
            counter = self._live(key, now)
            return counter[1] if counter else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._counters)
            self._counters.clear()
            return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)
