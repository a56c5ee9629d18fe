"""Load and fault tests: the portal served by gunicorn (and the SLA scheduler) over loopback, on
SQLite and on the local PostgreSQL. Every process started here is stopped by the fixture that
started it, whatever the test's outcome. Sizes and limits come from the environment:

  LOAD_SUBMISSIONS   submissions per database in the throughput tests
  LOAD_PG_URL        the PostgreSQL database to (re)create for these tests
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.load.loadkit import PG_URL, Portal, pg_ensure_running, recreate_pg_database

_RESULTS: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if _RESULTS:
        terminalreporter.section("load results")
        for line in _RESULTS:
            terminalreporter.write_line(line)


@pytest.fixture
def report():
    """Note a result line (throughput, timings): printed now and in the run's summary."""
    def note(line: str) -> None:
        print(line)
        _RESULTS.append(line)
    return note


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory) -> Iterator[Portal]:
    tmp = tmp_path_factory.mktemp("load-sqlite")
    portal = Portal(tmp, f"sqlite:///{tmp / 'portal.sqlite3'}")
    try:
        portal.start()
        yield portal
    finally:
        portal.stop()


@pytest.fixture(scope="module")
def pg_portal(tmp_path_factory) -> Iterator[Portal]:
    recreate_pg_database(PG_URL)
    portal = Portal(tmp_path_factory.mktemp("load-pg"), PG_URL)
    try:
        portal.start()
        yield portal
    finally:
        try:
            portal.stop()
        finally:
            pg_ensure_running()
