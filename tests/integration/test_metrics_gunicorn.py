"""/metrics under real gunicorn with two worker processes (gunicorn.conf.py as in production): a
scrape, whichever worker answers it, adds up the requests every worker served. A few seconds, most
of them the two workers' start."""
from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.load.loadkit import Service, free_port, portal_env

TOKEN = "gunicorn-metrics-token-0123456789"
REQUESTS = 60


@pytest.fixture
def served(app, database_url, tmp_path):
    """gunicorn on the suite's database (already migrated), two sync workers, its metrics folder in
    tmp_path so the test can see which processes wrote counts."""
    port = free_port()
    env = portal_env(tmp_path, port, database_url)
    env.update(WEB_WORKERS="2", WEB_THREADS="1", METRICS_TOKEN=TOKEN,
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    web = Service("web", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}",
                          "wsgi:app"], env, tmp_path / "web.log")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert web.running(), web.text()
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, web.text()
            time.sleep(0.05)
        yield base, tmp_path / "metrics"
    finally:
        web.stop()


def count(text: str, endpoint: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "portal_http_request_duration_seconds_count" and s.labels.get("endpoint") == endpoint)


def test_a_scrape_adds_up_the_requests_of_every_worker(served):
    base, folder = served
    before = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert before.status_code == 200
    # a sync worker answers one request at a time: with eight at once, both workers take some.
    # (A static file: the start-up's /healthz polls may still be answered, and counted, after "before".)
    with ThreadPoolExecutor(8) as pool:
        statuses = Counter(pool.map(lambda _: requests.get(base + "/static/portal.css", timeout=10).status_code,
                                    range(REQUESTS)))
    assert statuses == Counter({200: REQUESTS})
    writers = {path.stem.rsplit("_", 1)[1] for path in folder.glob("histogram_*.db")}
    assert len(writers) == 2, writers  # each worker kept its own counts
    totals = set()
    for _ in range(4):  # every scrape gives the sum, whichever worker answers it
        after = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert after.status_code == 200 and after.headers["Content-Type"].startswith("text/plain")
        totals.add(count(after.text, "static") - count(before.text, "static"))
    assert totals == {REQUESTS}
    assert requests.get(base + "/metrics", timeout=10).status_code == 401
