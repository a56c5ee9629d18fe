"""The rate limiter's in-memory storage (`memory://`, the default without Redis), safe under
threaded workers.

limits' MemoryStorage restarts its expiry timer on a hit when the last one has run out, without a
lock: two threads can both find it run out, both put a new timer in place, and both start the one
put last. The second start raises "threads can only be started once", and the request that hit it
answered 500 (once in 5,000 submissions under gunicorn's threads, tests/load). Fixed upstream
(limits pull request #352, after 5.8.0); until a release has it, this class takes the `memory`
scheme and starts the timer under a lock."""
from __future__ import annotations

import threading

from limits.storage import MemoryStorage


class ThreadSafeMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["memory"]  # registered in place of limits' own class for memory:// URIs

    def __init__(self, *args, **kwargs) -> None:
        self._timer_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private method, by its real name
        with self._timer_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.start()
