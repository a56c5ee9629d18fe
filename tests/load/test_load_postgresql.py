"""PostgreSQL under production load, then restarted under load: the web workers recover by
themselves (pool_pre_ping), requests caught by the outage fail cleanly, and a form retried
after the outage never makes a second ticket."""
from __future__ import annotations

import threading
import time

import pytest
import requests
import sqlalchemy as sa

from tests.load.checks import LOAD_SECONDS, MIN_SUBMISSIONS, SUBMISSIONS, assert_all_answered, log_alarms
from tests.load.loadkit import LEAK_RE, PG_URL, check_ledger, pg_ctl, pg_ensure_running, references, run_load

# the portal's 503 page, in English and in Vietnamese
OUTAGE_WORDS = ("briefly unavailable", "tạm thời gián đoạn")

WARM_UP_SECONDS = 2.0
RECOVERY_SECONDS = 10.0  # after PostgreSQL is back, every request must succeed again within this
AFTER_RECOVERY_SECONDS = 5.0  # load kept up once recovered, where nothing may fail


def test_postgresql_submissions_are_neither_lost_nor_doubled(pg_portal, report):
    portal = pg_portal
    before = references(portal)
    result = run_load(portal.links(), total=SUBMISSIONS, duration=LOAD_SECONDS)
    report(result.summary("PostgreSQL (2 workers x 4 threads)"))
    assert_all_answered(result, MIN_SUBMISSIONS)
    check_ledger(portal, result, before)
    assert not log_alarms(portal.log("web"))


class HealthWatch:
    """GET /healthz every 0.1 s in a thread: (started, ended, status or error name)."""

    def __init__(self, base_url: str) -> None:
        self.url, self.seen = base_url + "/healthz", []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="healthz-watch", daemon=True)

    def _watch(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status: int | str = session.get(self.url, timeout=5).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                self.seen.append((started, time.monotonic(), status))
                self._stop.wait(0.1)

    def wait_for(self, status: int, since: float, timeout: float) -> float | None:
        """The end time of the first answer `status` to a probe started after `since`, within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for started, ended, seen in list(self.seen):
                if started >= since and seen == status:
                    return ended
            time.sleep(0.05)
        return None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(10)


def test_postgresql_restart_under_load(pg_portal, report):
    host = sa.engine.make_url(PG_URL).host
    if host not in ("127.0.0.1", "localhost"):
        pytest.skip(f"the PostgreSQL server at {host} is not this machine's to restart")
    portal = pg_portal
    links = portal.links()
    before = references(portal)
    stop = threading.Event()
    marks: dict[str, float] = {}
    probes: dict[str, requests.Response] = {}

    with HealthWatch(portal.base_url) as health:
        def outage(_clients_running) -> None:
            time.sleep(WARM_UP_SECONDS)
            marks["down"] = time.monotonic()
            try:
                pg_ctl("stop")
                marks["stopped"] = time.monotonic()
                marks["unhealthy"] = health.wait_for(503, marks["stopped"], 10) or 0.0
                # what a seller sees while the database is away
                probes["page"] = requests.get(links[0], timeout=10)
                probes["health"] = requests.get(portal.base_url + "/healthz", timeout=10)
            finally:
                pg_ctl("start")  # always, and only once: other test runs share this server
                marks["up"] = time.monotonic()
            marks["healthy"] = health.wait_for(200, marks["up"], RECOVERY_SECONDS + 5) or 0.0
            time.sleep(max(0.0, marks["up"] + RECOVERY_SECONDS + AFTER_RECOVERY_SECONDS - time.monotonic()))
            stop.set()

        try:
            result = run_load(links, total=None, duration=90, patient=True, stop=stop, during=outage)
        finally:
            stop.set()
            pg_ensure_running()
    recovered_by = marks["up"] + RECOVERY_SECONDS

    failed = [c for c in result.calls if c.error or (c.status or 0) >= 500]
    late = [c for c in failed if c.ended < marks["down"] or c.started > recovered_by]
    after = [c for c in result.calls if c.started > recovered_by]
    last_failure = max((c.ended for c in failed), default=marks["up"]) - marks["up"]
    when = f"{abs(last_failure):.2f} s {'after' if last_failure >= 0 else 'before'}"
    health_late = [s for started, _end, s in health.seen if started > recovered_by and s != 200]
    report(result.summary("PostgreSQL restart under load")
           + f"; stop took {marks['stopped'] - marks['down']:.1f} s, start {marks['up'] - marks['stopped']:.1f} s, "
             f"/healthz 503 {marks['unhealthy'] - marks['stopped']:.2f} s after the stop and 200 again "
             f"{marks['healthy'] - marks['up']:.2f} s after the start; {len(failed)} requests failed "
             f"during the outage (the last {when} the start returned), {len(after)} ran after it")

    assert marks["unhealthy"], "/healthz never answered 503 while PostgreSQL was stopped"
    assert marks["healthy"], f"/healthz did not answer 200 within {RECOVERY_SECONDS + 5:.0f} s of the restart"
    assert marks["healthy"] - marks["up"] <= RECOVERY_SECONDS
    assert not health_late, f"/healthz failed after recovery: {health_late[:5]}"
    # the database-down page: 503, the portal's own words, nothing of the internals
    page, health_body = probes["page"], probes["health"]
    assert page.status_code == 503, page.status_code
    assert "text/html" in page.headers["Content-Type"] and OUTAGE_WORDS[0] in page.text
    assert page.headers.get("Retry-After") and not LEAK_RE.search(page.text), page.text
    assert health_body.status_code == 503 and health_body.json()["database"].startswith("error")
    # only requests caught by the outage may fail, and those fail cleanly
    assert not late, f"requests failed outside the outage: {[(c.method, c.what, c.status, c.error) for c in late]}"
    assert not [c for c in failed if c.error], f"dropped connections: {[(c.what, c.error) for c in failed if c.error]}"
    assert not [c for c in failed if c.leak], "an error page showed internals"
    # in the seller's language when the seller was read before the database went away, else in English
    unclean = [(c.status, c.body[:300]) for c in failed
               if c.status != 503 or not any(words in c.body for words in OUTAGE_WORDS)]
    assert not unclean, f"failures other than the portal's 503 page: {unclean[:3]}"
    assert len(after) > 50 and all(c.status in (200, 303) for c in after)
    # every form was answered in the end, and a form retried across the outage made one ticket
    assert not result.problems, "\n".join(result.problems)
    assert result.submissions and all(s.location for s in result.submissions)
    check_ledger(portal, result, before)
    assert portal.services["web"].running()
    # the outage is logged in one line per request, never as a traceback
    assert not log_alarms(portal.log("web")), log_alarms(portal.log("web"))
