"""Items of an iterator made by a thread of their own, one step ahead of whoever consumes them,
optionally at a lower CPU priority than the rest of the process.

The report exports use it twice: PostgreSQL's rows are fetched while the previous batch is being
turned into CSV (psycopg waits for the network without holding the GIL), and a streamed export is
produced by a thread with a raised nice value, so that on a busy machine the pages and submissions
served beside it keep the CPU first and the export takes what is left. Linux applies a nice value
per thread (setpriority(2) with the thread's id); elsewhere the priority is left as it is."""
from __future__ import annotations

import contextvars
import logging
import os
import queue
import sys
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("portal.ahead")
_PER_THREAD_NICE = sys.platform.startswith("linux")


def lower_priority(increment: int) -> int:
    """Raise the calling thread's nice value by `increment` (at most 19), on Linux; returns the nice
    value the thread now has, or 0 where nothing was changed. Raising is always allowed, lowering
    it back is not (without CAP_SYS_NICE): call it only from a thread that ends with its work."""
    if increment <= 0 or not _PER_THREAD_NICE:
        return 0
    tid = threading.get_native_id()
    try:
        value = min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment)
        os.setpriority(os.PRIO_PROCESS, tid, value)
    except OSError as exc:  # a sandbox that forbids it: the work is done at the usual priority
        log.warning("could not lower the priority of %s: %s", threading.current_thread().name, exc)
        return 0
    return value


def produced_ahead(items: Iterator[T], *, nice: int = 0, name: str = "portal-ahead") -> Iterator[T]:
    """The same items, made by a thread that runs in a copy of the caller's context (Flask's request
    and application context, the database session with them, the declared read intent) and keeps at
    most one item ready. ``nice``: how much lower that thread's CPU priority is (lower_priority).

    The caller must leave the items' resources (such as the database session) to the thread until
    this generator is closed: the thread is gone when this generator is, however it ends (exhausted,
    closed by a client that went away, or by an error in the thread, which is raised here), and
    ``items`` is closed then, in the thread's context."""
    queued: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()
    context = contextvars.copy_context()

    def produce() -> None:
        lower_priority(nice)
        try:
            for item in items:
                queued.put(item)
                if stop.is_set():
                    return
            queued.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            queued.put(exc)

    worker = threading.Thread(target=context.run, args=(produce,), name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = queued.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a put on the full queue, then wait for the step under way
            try:
                queued.get_nowait()
            except queue.Empty:
                pass
            worker.join(0.05)
        close = getattr(items, "close", None)
        if close is not None:
            context.run(close)
