"""Seller link tokens and bearer tokens never reach a log: one redaction (portal/logredact.py) made
at record creation, so it holds for every logger and handler of the process (the app's, Flask's,
the development server's request lines, gunicorn's error and access logs)."""
from __future__ import annotations

import io
import logging
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal import logredact
from tests.server import PortalServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "WzEsMV0.q9TqA1yG-secret-link-token"


@pytest.mark.parametrize("raw, expected", [
    (f"GET /s/{TOKEN}/tickets/T-2612-0001 HTTP/1.1", "GET /s/<token>/tickets/T-2612-0001 HTTP/1.1"),
    (f"https://support.example.com/s/{TOKEN}", "https://support.example.com/s/<token>"),
    (f"/s/{TOKEN}?tracking=NV1", "/s/<token>?tracking=NV1"),
    (f'"POST /login?next=/s/{TOKEN}/x HTTP/1.1"', '"POST /login?next=/s/<token>/x HTTP/1.1"'),
    (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer <token>"),
    ("authorization: bearer pst_AbCdEf0123456789", "authorization: bearer <token>"),
    ("token pst_AbCdEf0123456789_xyz issued", "token pst_<token> issued"),
    ("/inbox?q=T-2612-0001", "/inbox?q=T-2612-0001"),
    ("/static/app.css and /reports/sla.csv", "/static/app.css and /reports/sla.csv"),
])
def test_redact(raw, expected):
    assert logredact.redact(raw) == expected
    assert logredact.redact(expected) == expected


def capture(logger: logging.Logger) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    return stream, handler


def test_flasks_exception_line_and_its_traceback_are_redacted(app):
    logredact.install()
    stream, handler = capture(app.logger)
    try:
        with app.test_request_context(f"/s/{TOKEN}/tickets", method="POST"):
            try:
                raise ValueError(f"could not open /s/{TOKEN}/tickets")
            except ValueError:
                app.log_exception(sys.exc_info())
    finally:
        app.logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Exception on /s/<token>/tickets [POST]" in text
    assert "ValueError: could not open /s/<token>/tickets" in text and "Traceback" in text
    assert TOKEN not in text


def test_any_logger_and_lazy_arguments_are_redacted():
    logredact.install()
    logredact.install()  # twice: still one redaction
    logger = logging.getLogger("some.library")
    logger.setLevel(logging.INFO)
    stream, handler = capture(logger)
    try:
        logger.info("fetched %s with %r", f"/s/{TOKEN}", {"Authorization": f"Bearer {TOKEN}"})
        logger.info("%(r)s", {"r": f"GET /s/{TOKEN} HTTP/1.1"})  # gunicorn's access log passes a mapping
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in stream.getvalue() and stream.getvalue().count("<token>") == 3


def test_gunicorns_error_log_is_redacted():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    logredact.install()
    glog = Logger(Config())
    stream, handler = capture(glog.error_log)
    try:
        try:
            raise TimeoutError("worker timeout")
        except TimeoutError:
            glog.exception("Error handling request %s", f"/s/{TOKEN}/tickets")
    finally:
        glog.error_log.removeHandler(handler)
    assert "Error handling request /s/<token>/tickets" in stream.getvalue() and TOKEN not in stream.getvalue()


def serve_and_visit(tmp_path: Path, kind: str, server_args: tuple[str, ...] = ()) -> str:
    """A server on a database it cannot read yet (every page 404 or 500, which is all these tests need), one
    request to each kind of path carrying the token, then the whole of its output."""
    server = PortalServer(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", kind=kind, workers=1,
                          server_args=server_args)
    with server:
        server.launch()
        server.wait_ready(path="/favicon.ico")
        for path in (f"/s/{TOKEN}", f"/s/{TOKEN}/tickets/T-2612-0001", f"/login?next=/s/{TOKEN}"):
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"{server.base_url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}), timeout=5)
            except urllib.error.HTTPError:
                pass
        time.sleep(0.5)
    return server.log_text()


def test_the_development_servers_request_lines_are_redacted(tmp_path):
    output = serve_and_visit(tmp_path, "flask")
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)  # werkzeug colours the status on a terminal
    assert '"GET /s/<token> HTTP/1.1" 404' in output and "/login?next=/s/<token>" in output
    assert TOKEN not in output


def test_gunicorns_access_log_is_redacted(tmp_path):
    output = serve_and_visit(tmp_path, "gunicorn", ("--access-logfile", "-"))
    assert '"GET /s/<token>/tickets/T-2612-0001 HTTP/1.1" 404' in output and '"path": "/s/<token>"' in output
    assert TOKEN not in output
