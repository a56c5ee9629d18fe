"""The SLA export streams without holding the database's write lock: what sellers and staff write
while a manager downloads a large CSV is stored at once, not after the export. (Flask ends the
request, and with it the session, before a streamed body is sent; a body that then began its
transaction as a write would, on SQLite, keep every submission waiting while the export runs.)"""
from __future__ import annotations

import datetime as dt
import os
import sys
import threading

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.models import Seller
from portal.services.reports import facts as report_facts
from portal.services.runtime import runtime
from tests import factories
from tests.clients import AuthActions


def _quick_writer(database_url: str) -> sa.Engine:
    """A second connection that gives up on a held lock within a second, on either database."""
    if database_url.startswith("sqlite"):
        return sa.create_engine(database_url, connect_args={"timeout": 1})
    return sa.create_engine(database_url, connect_args={"options": "-c lock_timeout=1000"})


def test_a_write_is_stored_at_once_while_the_export_streams(app, demo, now, monkeypatch, database_url):
    monkeypatch.setattr(report_facts, "CHUNK", 1)  # a row a chunk: the export is mid-query between chunks
    for hours in range(1, 6):
        factories.ticket(now - dt.timedelta(hours=hours))
    today = now.astimezone(runtime().timezone).date()  # the report's days are the portal's local days
    reading, written, result = threading.Event(), threading.Event(), {}

    def download() -> None:
        # in a thread of its own, as a server runs it: no app context of the test's around the request,
        # so the request's session ends when the view returns, before the body is sent
        try:
            manager = FlaskClient(app, use_cookies=True)
            manager.set_cookie("lang", "en")
            AuthActions(manager).login("manager@demo.test")
            response = manager.get("/reports/sla.csv", buffered=False,
                                   query_string={"from": str(today - dt.timedelta(days=1)), "to": str(today),
                                                 "by": "ticket"})
            body = iter(response.response)
            sent = [next(body) for _ in range(3)]  # the header and the first rows: the export is reading
            reading.set()
            written.wait(30)
            sent.append(b"".join(body))
            response.close()
            result["status"], result["text"] = response.status_code, b"".join(sent).decode("utf-8-sig")
        finally:
            reading.set()

    thread = threading.Thread(target=download)
    thread.start()
    try:
        assert reading.wait(30)
        writer = _quick_writer(database_url)
        try:
            with writer.begin() as conn:  # "database is locked" after a second if the export holds the lock
                changed = conn.execute(sa.update(Seller).where(Seller.code == "DEMO-001").values(name="Shop mới"))
            assert changed.rowcount == 1
        finally:
            writer.dispose()
    finally:
        written.set()
        thread.join(60)
    assert result["status"] == 200
    assert len(result["text"].strip().splitlines()) == 1 + 5  # the header and every ticket


def _export_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sla-report-export"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values per thread are Linux's")
def test_the_export_is_made_at_a_lower_cpu_priority_than_the_request(app, demo, now, monkeypatch):
    """The CSV is produced by a thread of its own with EXPORT_NICE added to its nice value (the pages
    served beside a long export keep the CPU first); the thread ends with the download."""
    monkeypatch.setattr(report_facts, "CHUNK", 1)
    monkeypatch.setitem(app.config, "EXPORT_NICE", 7)
    for hours in range(1, 4):
        factories.ticket(now - dt.timedelta(hours=hours))
    today = now.astimezone(runtime().timezone).date()
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    manager = FlaskClient(app, use_cookies=True)
    AuthActions(manager).login("manager@demo.test")
    response = manager.get("/reports/sla.csv", buffered=False,
                           query_string={"from": str(today - dt.timedelta(days=1)), "to": str(today), "by": "ticket"})
    body = iter(response.response)
    first = next(body) + next(body)  # the BOM and the header: the producer is under way
    producers = _export_threads()
    assert len(producers) == 1
    assert os.getpriority(os.PRIO_PROCESS, producers[0].native_id) == min(19, base + 7)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # the request's own is not lowered
    rest = b"".join(body)
    response.close()
    assert not _export_threads()
    assert response.status_code == 200
    assert len((first + rest).decode("utf-8-sig").strip().splitlines()) == 1 + 3


def test_a_download_given_up_half_way_ends_its_producer(app, demo, now, monkeypatch):
    monkeypatch.setattr(report_facts, "CHUNK", 1)
    for hours in range(1, 6):
        factories.ticket(now - dt.timedelta(hours=hours))
    today = now.astimezone(runtime().timezone).date()
    manager = FlaskClient(app, use_cookies=True)
    AuthActions(manager).login("manager@demo.test")
    response = manager.get("/reports/sla.csv", buffered=False,
                           query_string={"from": str(today - dt.timedelta(days=1)), "to": str(today), "by": "ticket"})
    body = iter(response.response)
    next(body), next(body)
    response.close()  # the browser went away
    assert not _export_threads()
    assert manager.get("/reports").status_code == 200  # the session and its connection are usable again
