"""Browser fixtures: the portal served over real HTTP on a fresh SQLite database, Chromium
driven by Playwright, and a screenshot in test-artifacts/ whenever a browser test fails."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS, ROOT, STAFF_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SERVER_START_TIMEOUT = 30.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _flask_bin() -> str:
    local = ROOT / ".venv" / "bin" / "flask"
    if local.exists():
        return str(local)
    found = shutil.which("flask")
    if not found:
        pytest.fail("no flask executable: run `make test` so that .venv is set up")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Portal:
    """A running portal: its base URL and the environment its CLI commands need."""

    def __init__(self, base_url: str, env: dict[str, str], flask: str, log: Path) -> None:
        self.base_url, self.env, self.flask, self.log = base_url, env, flask, log
        self._links: dict[str, str] = {}
        self._pending: dict[str, subprocess.Popen] = {}

    def _command(self, *args: str) -> list[str]:
        return [self.flask, "--app", "wsgi", *args]

    def cli(self, *args: str) -> str:
        result = subprocess.run(self._command(*args), cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def request_links(self, *codes: str) -> None:
        """Start `sellers link` for these sellers in the background (each CLI run loads the whole app)."""
        for code in codes:
            if code not in self._links and code not in self._pending:
                self._pending[code] = subprocess.Popen(self._command("sellers", "link", code), cwd=ROOT,
                                                       env=self.env, stdout=subprocess.PIPE,
                                                       stderr=subprocess.PIPE, text=True)

    def seller_link(self, code: str) -> str:
        """The seller's activation URL: the last line printed by `flask sellers link CODE`."""
        if code not in self._links:
            self.request_links(code)
            proc = self._pending.pop(code)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"flask sellers link {code} failed:\n{out}\n{err}"
            url = out.strip().splitlines()[-1].strip()
            assert re.fullmatch(re.escape(self.base_url) + r"/s/\S+", url), f"unexpected link line: {url!r}"
            self._links[code] = url
        return self._links[code]

    def close(self) -> None:
        for proc in self._pending.values():
            proc.kill()
            proc.communicate()


def _portal_env(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SLA_", "PORTAL_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
        SECRET_KEY="browser-test-secret-key",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        UPLOAD_DIR=str(tmp / "uploads"),
        REPORTS_DIR=str(tmp / "reports"),
        RATELIMIT_SELLER="1000 per minute",
        RATELIMIT_LOGIN="1000 per minute",
        RATELIMIT_STORAGE_URI="portal-memory://",
        PYTHONUNBUFFERED="1",
    )
    for name in ("ROUTING_RULES_FILE", "UPLOAD_MAX_MB", "UPLOAD_MAX_FILES"):
        env.pop(name, None)
    return env


def _wait_until_up(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the portal exited with {proc.returncode} before answering:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the portal did not answer on {base_url} within {SERVER_START_TIMEOUT:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    # session-wide and autouse, so a missing browser skips before the server is started
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")


@contextlib.contextmanager
def _running_portal(tmp: Path, *setup: tuple[str, ...]) -> Iterator[Portal]:
    """`flask run` on a free port over a fresh, migrated database, after the given CLI commands."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _portal_env(tmp, port)
    log = tmp / "server.log"
    server = Portal(base_url, env, _flask_bin(), log)
    server.cli("db", "upgrade")
    for command in setup:
        server.cli(*command)
    with log.open("w") as out:
        proc = subprocess.Popen([server.flask, "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(port),
                                 "--no-reload"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield server, proc
    finally:
        server.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal with the demo data."""
    with _running_portal(tmp_path_factory.mktemp("portal"), ("demo", "load")) as (server, proc):
        server.request_links("DEMO-001", "DEMO-002")
        _wait_until_up(proc, server.base_url, server.log)
        yield server


@pytest.fixture(scope="module")
def empty_portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal on an empty database, as the README leaves it: migrated, one admin, nothing else."""
    admin = ("users", "add", "--email", "first.admin@example.vn", "--name", "Quản trị viên", "--role", "admin",
             "--password-stdin")
    tmp = tmp_path_factory.mktemp("empty-portal")
    with _running_portal(tmp) as (server, proc):
        result = subprocess.run(server._command(*admin), cwd=ROOT, env=server.env, input=f"{STAFF_PASSWORD}\n",
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        _wait_until_up(proc, server.base_url, server.log)
        yield server


@pytest.fixture(scope="session")
def seller_link(portal) -> str:
    """The activation link of DEMO-001 (Shop Hoa Mai)."""
    return portal.seller_link("DEMO-001")


@pytest.fixture(scope="session")
def _playwright(_require_chromium):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _artifact_name(nodeid: str, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]) + suffix + ".png"


@pytest.fixture
def new_page(request, browser, portal) -> Iterator[Callable[..., object]]:
    """Open pages, each in its own browser context (its own cookies): `new_page(**context_options)`.
    When the test fails, every page it opened is saved as a screenshot under test-artifacts/."""
    contexts = []

    def make(lang: str | None = "en", **options):
        """`lang` is the language chosen with the page's switch (None: the seller's or browser's own)."""
        options.setdefault("base_url", portal.base_url)
        context = browser.new_context(**options)
        if lang:
            context.add_cookies([{"name": "lang", "value": lang, "url": portal.base_url}])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = any(getattr(request.node, f"rep_{when}", None) is not None
                 and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))
    try:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            n = 0
            for context in contexts:
                for page in context.pages:
                    n += 1
                    try:
                        page.screenshot(path=str(ARTIFACTS / _artifact_name(request.node.nodeid, f"-{n}")),
                                        full_page=True)
                    except Exception as exc:  # a crashed page must not hide the test's own failure
                        print(f"screenshot {n} failed: {exc}")
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    """A desktop page; screenshots on failure like every page from `new_page`."""
    return new_page(viewport={"width": 1280, "height": 900}, locale="en-US")


class Staff:
    """Log a member of staff in through the login form."""

    def __init__(self, new_page) -> None:
        self.new_page = new_page

    def login(self, email: str, password: str = STAFF_PASSWORD):
        page = self.new_page(viewport={"width": 1280, "height": 900})
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/inbox(\?.*)?$"))
        return page


@pytest.fixture
def staff(new_page) -> Staff:
    return Staff(new_page)

