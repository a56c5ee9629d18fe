"""The rate limiter's in-memory storage (`memory://`, the default without Redis), for workers that
serve many requests a second, with or without threads.

limits' MemoryStorage drops expired counters from a timer thread that runs 10 ms after a hit and
is started again by the next hit: under steady traffic every limited request starts a new thread.
That cost about 8 % of a worker's CPU under the submission benchmark (starting the thread, then
running it). Its restart also took no lock: two threads could start the same timer twice, and the
second start failed the request with "threads can only be started once" (fixed upstream in limits
pull request #352, after 5.8.0).

This class takes the `memory` scheme in limits' place and drops expired entries from one
long-lived thread per process, once every SWEEP_SECONDS. Expiry was never what enforces a limit:
a counter is checked against its own expiry time when read, and a moving window against its
entries' times. The sweep only frees the memory of keys nobody uses any more."""
from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["memory"]  # registered in place of limits' own class for memory:// URIs
    SWEEP_SECONDS = 1.0

    def __init__(self, *args, **kwargs) -> None:
        self._sweeper_lock = threading.Lock()
        self._sweeper: threading.Thread | None = None
        super().__init__(*args, **kwargs)  # starts limits' one 10 ms timer; nothing restarts it

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_sweeper", None)
        state.pop("_sweeper_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._sweeper_lock = threading.Lock()
        self._sweeper = None

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private method, by its real name
        """Called on every hit: makes sure this process has its sweeper (a forked worker starts
        without the threads of its parent)."""
        sweeper = self._sweeper
        if sweeper is not None and sweeper.is_alive():
            return
        with self._sweeper_lock:
            if self._sweeper is None or not self._sweeper.is_alive():
                self._sweeper = threading.Thread(target=self._sweep, name="rate-limit-expiry", daemon=True)
                self._sweeper.start()

    def _sweep(self) -> None:
        while True:
            time.sleep(self.SWEEP_SECONDS)
            try:
                self._MemoryStorage__expire_events()
            except KeyError:
                pass  # a request's read dropped an expired counter first; the next sweep sees the rest
