"""The portal served for real, over loopback: what the browser tests, the load tests and bench/ run.

    with PortalServer(tmp, "sqlite:///" + str(tmp / "portal.sqlite3"), kind="gunicorn", workers=2) as server:
        server.cli("db", "upgrade")
        server.cli("demo", "load")
        server.start()                      # returns once GET /healthz answers 200
        ... server.base_url ...
    # stopped, with every process it started; server.log_text() keeps gunicorn's output

`kind` is "gunicorn" (gunicorn.conf.py, as in production, with `workers` x `threads`) or "flask"
(the development server). Every command runs in a session of its own, so stopping it ends whatever it
forked too (gunicorn's workers). The environment is the caller's without the portal's own settings
(FLASK_, SLA_, PORTAL_, WEB_, RATELIMIT_, TEST_…), so a developer's shell does not leak into a run.
Nothing here imports pytest or the portal: bench/ uses it outside pytest.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
SCRUBBED = ("FLASK_", "SLA_", "PORTAL_", "WEB_", "RATELIMIT_", "TEST_", "DATABASE_", "UPLOAD_", "REPORTS_DIR",
            "ROUTING_RULES_FILE", "SECRET_KEY", "PUBLIC_BASE_URL", "METRICS_TOKEN", "SELLER_NOTIFY_")
START_TIMEOUT = 60.0


class ServerError(RuntimeError):
    """A server or command did not start, did not answer, or failed; the message carries its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environ() -> dict[str, str]:
    """os.environ without any of the portal's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class Process:
    """One command in a session of its own, its output (stdout and stderr) appended to `log`."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.args, self.log = list(args), log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(self.args, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the whole group, SIGKILL after `timeout`; then whatever the leader left behind."""
        group = self.proc.pid  # the leader of its own session: its pid is the group's id
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                self.proc.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, url: str, timeout: float) -> None:
        """Until `url` answers 200; ServerError with the log when the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ServerError(f"{self.args[0]} … exited with {self.proc.returncode} before {url} answered:\n"
                                  f"{self.text()[-4000:]}")
            if answers(url):
                return
            time.sleep(0.1)
        raise ServerError(f"{url} did not answer within {timeout:.0f} s:\n{self.text()[-4000:]}")


class PortalServer:
    """The portal (or another WSGI app run the same way, e.g. bench/bare_app.py) on a free loopback
    port, over `database_url`, with its CLI commands run in the same environment."""

    def __init__(self, tmp: Path, database_url: str, *, kind: str = "gunicorn", workers: int = 2, threads: int = 1,
                 app: str = "wsgi:app", pythonpath: Sequence[Path] = (), env: Mapping[str, str] | None = None,
                 port: int | None = None, name: str = "web", server_args: Sequence[str] = ()) -> None:
        if kind not in ("gunicorn", "flask"):
            raise ValueError(f"kind is gunicorn or flask, not {kind!r}")
        self.tmp, self.database_url, self.kind, self.app_spec = Path(tmp), database_url, kind, app
        self.workers, self.threads, self.pythonpath = workers, threads, list(pythonpath)
        self.server_args = list(server_args)  # more options for gunicorn or `flask run`
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp / f"{name}.log"
        self.env = clean_environ()
        self.env.update(
            DATABASE_URL=database_url,
            SECRET_KEY="server-harness-secret-key-0123456789",
            PUBLIC_BASE_URL=self.base_url,
            UPLOAD_DIR=str(self.tmp / "uploads"),
            REPORTS_DIR=str(self.tmp / "reports"),
            RATELIMIT_SELLER="1000000 per minute",
            RATELIMIT_LOGIN="1000000 per minute",
            WEB_WORKERS=str(workers),
            WEB_THREADS=str(threads),
            PYTHONUNBUFFERED="1",
        )
        self.env.update(env or {})
        self.web: Process | None = None
        self.extra: list[Process] = []

    # --- the command line -----------------------------------------------------------------------------
    def flask(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "flask", "--app", "wsgi", *args]

    def cli(self, *args: str, timeout: float = 120, input: str | None = None) -> str:
        """`flask --app wsgi ARGS` to completion; its output, or ServerError with both streams."""
        try:
            result = subprocess.run(self.flask(*args), cwd=ROOT, env=self.env, capture_output=True, text=True,
                                    input=input, timeout=timeout, start_new_session=True)
        except subprocess.TimeoutExpired as exc:
            raise ServerError(f"flask {' '.join(args)}: no end within {timeout:.0f} s") from exc
        if result.returncode != 0:
            raise ServerError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def cli_background(self, *args: str) -> subprocess.Popen:
        """`flask --app wsgi ARGS` started, its output in pipes: `.communicate()` collects it."""
        return subprocess.Popen(self.flask(*args), cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def spawn(self, name: str, *args: str) -> Process:
        """A long-running `flask` command beside the server (e.g. `sla scheduler`), stopped with it."""
        process = Process(self.flask(*args), self.env, self.tmp / f"{name}.log")
        self.extra.append(process)
        return process

    # --- the server -----------------------------------------------------------------------------------
    def command(self) -> list[str]:
        if self.kind == "flask":
            return self.flask("run", "--host", "127.0.0.1", "--port", str(self.port), "--no-reload", *self.server_args)
        paths = [arg for path in self.pythonpath for arg in ("--pythonpath", str(path))]
        return [PYTHON, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-b", f"127.0.0.1:{self.port}", *paths,
                *self.server_args, self.app_spec]

    def launch(self) -> Process:
        """Start the server without waiting for it (e.g. to load data meanwhile); then wait_ready()."""
        if self.web is not None and self.web.running():
            raise ServerError(f"already serving on {self.base_url}")
        self.web = Process(self.command(), self.env, self.log_path)
        return self.web

    def wait_ready(self, timeout: float = START_TIMEOUT, path: str = "/healthz") -> None:
        if self.web is None:
            raise ServerError("not started")
        self.web.wait_for(self.base_url + path, timeout)

    def start(self, timeout: float = START_TIMEOUT) -> PortalServer:
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def running(self) -> bool:
        return self.web is not None and self.web.running()

    @property
    def pid(self) -> int | None:
        return self.web.pid if self.web else None

    def stop(self) -> None:
        """The extra commands first (newest first), then the server; safe to call twice."""
        for process in reversed(self.extra):
            process.stop()
        self.extra.clear()
        if self.web is not None:
            self.web.stop()

    def log_text(self) -> str:
        return self.web.text() if self.web else ""

    def __enter__(self) -> PortalServer:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
