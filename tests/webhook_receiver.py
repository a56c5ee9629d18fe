"""A webhook receiver for the tests: a local HTTP server on 127.0.0.1 that records every POST, and
the clock, secret and reads the webhook tests share. The `hooks` fixture (tests/integration/conftest.py)
starts one for a test."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from portal.extensions import db
from portal.models import WebhookDelivery

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
MANAGERS_AFTER = dt.timedelta(hours=2)
SECRET = "s3cret-for-tests-0123456789"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


class LoopbackServer:
    """An HTTP server on 127.0.0.1 (a free port) in a thread of its own, started and stopped as a
    context manager; every POST goes to `receive(path, headers, body)`, which answers (status,
    extra headers). Header names reach it lower-cased."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        raise NotImplementedError

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, extra = server.receive(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


class HookServer(LoopbackServer):
    """A local receiver that records every POST; the first `fail_first` answer 500, and every one
    answers 302 to `redirect_to` when that is set."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.fail_first = 0
        self.delay = 0.0
        self.redirect_to: str | None = None
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.origin}/hooks/support"

    def ids(self) -> list[int]:
        return [int(r.headers["x-portal-delivery"]) for r in self.received]

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.received.append(Received(path, headers, body))
            failing = len(self.received) <= self.fail_first
        if self.delay:
            time.sleep(self.delay)
        if self.redirect_to:
            return 302, {"Location": self.redirect_to}
        return (500 if failing else 200), {}


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def signed_ok(received: Received, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers["x-portal-signature"])
