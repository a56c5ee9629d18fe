"""Seller link tokens and bearer tokens never reach a log: one redaction (portal/logredact.py) made
at record creation, so it holds for every logger and handler of the process (the app's, Flask's,
the development server's request lines, gunicorn's error and access logs)."""
from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal import logredact

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(command: list[str], port: int, tmp_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
    env.update(SECRET_KEY="log-test-key", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONUNBUFFERED="1",
               WEB_WORKERS="1")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon-none", timeout=1)
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(proc.communicate()[0])


def visit_and_stop(proc: subprocess.Popen, port: int) -> str:
    for path in (f"/s/{TOKEN}", f"/s/{TOKEN}/tickets/T-2612-0001", f"/login?next=/s/{TOKEN}"):
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {TOKEN}"}), timeout=5)
        except urllib.error.HTTPError:
            pass
    time.sleep(0.5)
    proc.terminate()
    return proc.communicate(timeout=30)[0]


def test_the_development_servers_request_lines_are_redacted(tmp_path):
    port = free_port()
    flask = Path(sys.executable).parent / "flask"
    output = visit_and_stop(serve([str(flask), "--app", "wsgi", "run", "--port", str(port)], port, tmp_path), port)
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)  # werkzeug colours the status on a terminal
    assert '"GET /s/<token> HTTP/1.1" 404' in output and "/login?next=/s/<token>" in output
    assert TOKEN not in output


def test_gunicorns_access_log_is_redacted(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = serve([str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile", "-", "-b", f"127.0.0.1:{port}",
                  "wsgi:app"], port, tmp_path)
    output = visit_and_stop(proc, port)
    assert '"GET /s/<token>/tickets/T-2612-0001 HTTP/1.1" 404' in output and '"path": "/s/<token>"' in output
    assert TOKEN not in output
