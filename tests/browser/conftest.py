"""Browser fixtures: the portal served over real HTTP on a fresh SQLite database (tests/server.py), Chromium
driven by Playwright, and a screenshot in test-artifacts/ whenever a browser test fails."""
from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS, NOTIFY_SECRET, STAFF_PASSWORD
from tests.server import PortalServer, ServerError
from tests.webhook_receiver import HookServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SERVER_START_TIMEOUT = 30.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Portal(PortalServer):
    """The development server (`flask run`) on a fresh SQLite database, and seller links from its CLI."""

    def __init__(self, tmp: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(tmp, f"sqlite:///{tmp / 'portal.sqlite3'}", kind="flask", name="server", env=env)
        self._links: dict[str, str] = {}
        self._pending: dict[str, subprocess.Popen] = {}

    def request_links(self, *codes: str) -> None:
        """Start `sellers link` for these sellers in the background (each CLI run loads the whole app)."""
        for code in codes:
            if code not in self._links and code not in self._pending:
                self._pending[code] = self.cli_background("sellers", "link", code)

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

    def stop(self) -> None:
        for proc in self._pending.values():
            proc.kill()
            proc.communicate()
        self._pending.clear()
        super().stop()


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    # session-wide and autouse, so a missing browser skips before the server is started
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")


@contextlib.contextmanager
def running_portal(tmp: Path, *setup: tuple[str, ...], after_launch=None,
                   env: dict[str, str] | None = None) -> Iterator[Portal]:
    """`flask run` on a free port over a fresh, migrated database, after the given CLI commands;
    `after_launch(server)` runs while the server boots; `env` adds settings."""
    server = Portal(tmp, env)
    try:
        try:
            server.cli("db", "upgrade")
            for command in setup:
                server.cli(*command)
            server.launch()
            if after_launch is not None:
                after_launch(server)
            server.wait_ready(SERVER_START_TIMEOUT)
        except ServerError as exc:
            pytest.fail(str(exc))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal with the demo data."""
    with running_portal(tmp_path_factory.mktemp("portal"), ("demo", "load"),
                         after_launch=lambda server: server.request_links("DEMO-001", "DEMO-002")) as server:
        yield server


@pytest.fixture(scope="module")
def empty_portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal on an empty database, as the README leaves it: migrated, one admin, nothing else."""
    admin = ("users", "add", "--email", "first.admin@example.vn", "--name", "Quản trị viên", "--role", "admin",
             "--password-stdin")
    with running_portal(tmp_path_factory.mktemp("empty-portal"),
                         after_launch=lambda server: server.cli(*admin, input=f"{STAFF_PASSWORD}\n")) as server:
        yield server


@pytest.fixture(scope="module")
def notifying_portal(tmp_path_factory) -> Iterator[Portal]:
    """The portal with the demo data that tells sellers through an SMS/Zalo gateway: a receiver on
    loopback (`.hooks`) at SELLER_NOTIFY_URL. No scheduler runs: `notifications deliver` sends."""
    with HookServer() as hooks:
        env = {"SELLER_NOTIFY_URL": hooks.url, "SELLER_NOTIFY_SECRET": NOTIFY_SECRET, "OUTBOUND_ALLOW_PRIVATE": "1"}
        with running_portal(tmp_path_factory.mktemp("notifying-portal"), ("demo", "load"), env=env,
                            after_launch=lambda server: server.request_links("DEMO-001")) as server:
            server.hooks = hooks
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

