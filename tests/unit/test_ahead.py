"""portal.ahead: items made by a thread one step ahead of the reader, in the reader's context,
optionally at a lower CPU priority; the thread never outlives the reader."""
from __future__ import annotations

import contextvars
import os
import sys
import threading

import pytest

from portal.ahead import lower_priority, produced_ahead

NAME = "test-ahead"
marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


def made_batches(count: int, size: int, fail_at: int | None = None, taken: list | None = None):
    """``count`` made-up batches of ``size`` rows, failing at batch ``fail_at`` when given; each
    batch taken is counted in ``taken``."""
    taken = [] if taken is None else taken
    for number in range(1, count + 1):
        taken.append(number)
        if number == fail_at:
            raise RuntimeError("connection lost")
        yield [(number, n) for n in range(size)]


def threads() -> list:
    return [t for t in threading.enumerate() if t.name == NAME]


def test_items_arrive_in_order_and_the_thread_ends_with_the_reader():
    assert [rows[0][0] for rows in produced_ahead(made_batches(4, 3), name=NAME)] == [1, 2, 3, 4]
    taken: list = []
    source = made_batches(100, 2, taken=taken)
    reader = produced_ahead(source, name=NAME)
    assert next(reader)[0][0] == 1
    reader.close()  # e.g. the browser went away mid-download
    assert not threads() and len(taken) <= 3  # one batch in hand, one queued, one being made
    assert source.gi_frame is None  # the source was closed too (its result with it)
    with pytest.raises(RuntimeError, match="connection lost"):
        list(produced_ahead(made_batches(5, 2, fail_at=3), name=NAME))
    assert not threads()


def test_the_items_are_made_in_the_readers_context_and_in_another_thread():
    seen = []

    def items():
        seen.append((marker.get(), threading.current_thread().name))
        yield 1

    token = marker.set("the request's")
    try:
        assert list(produced_ahead(items(), name=NAME)) == [1]
    finally:
        marker.reset(token)
    assert seen == [("the request's", NAME)]


def test_a_source_left_unfinished_is_closed_in_the_threads_context():
    closed_with = []

    def items():
        try:
            yield 1
            yield 2
        finally:
            closed_with.append(marker.get())

    token = marker.set("copied")
    reader = produced_ahead(items(), name=NAME)
    try:
        assert next(reader) == 1
    finally:
        marker.reset(token)
    reader.close()
    assert closed_with == ["copied"] and not threads()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values per thread are Linux's")
def test_the_producing_thread_alone_runs_at_the_lower_priority():
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def items():
        yield os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert list(produced_ahead(items(), nice=5, name=NAME)) == [min(19, before + 5)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # the reader's is unchanged
    assert list(produced_ahead(items(), name=NAME)) == [before]  # nice=0 changes nothing


def test_lowering_nothing_changes_nothing():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert lower_priority(0) == 0 and lower_priority(-3) == 0
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
