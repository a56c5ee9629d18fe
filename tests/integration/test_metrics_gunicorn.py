"""/metrics under real gunicorn with two worker processes (gunicorn.conf.py as in production): a
scrape, whichever worker answers it, adds up the requests every worker served. A few seconds, most
of them the two workers' start."""
from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.server import PortalServer

TOKEN = "gunicorn-metrics-token-0123456789"
REQUESTS = 60


@pytest.fixture
def served(app, database_url, tmp_path):
    """gunicorn on the suite's database (already migrated), two sync workers, its metrics folder in
    tmp_path so the test can see which processes wrote counts."""
    server = PortalServer(tmp_path, database_url, workers=2, threads=1,
                          env={"METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    with server.start():
        yield server.base_url, tmp_path / "metrics"


def count(families, endpoint: str) -> float:
    return sum(s.value for family in families for s in family.samples
               if s.name == "portal_http_request_duration_seconds_count" and s.labels.get("endpoint") == endpoint)


def scrape(base: str) -> list:
    response = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return list(text_string_to_metric_families(response.text))


def per_worker(folder) -> dict[str, list]:
    """Each worker's own counts, read from its file as the scrape reads all of them."""
    return {path.stem.rsplit("_", 1)[1]: list(MultiProcessCollector.merge([str(path)]))
            for path in folder.glob("histogram_*.db")}


def test_a_scrape_adds_up_the_requests_of_every_worker(served):
    base, folder = served
    deadline = time.monotonic() + 30
    while len(per_worker(folder)) < 2:  # until both workers have started and answered something
        assert time.monotonic() < deadline, per_worker(folder)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: requests.get(base + "/healthz", timeout=10), range(8)))
    before = scrape(base)
    before_each = {pid: count(families, "static") for pid, families in per_worker(folder).items()}
    # a sync worker answers one request at a time: with eight at once, both workers take some.
    # (A static file: the start-up's /healthz polls may still be answered, and counted, after "before".)
    with ThreadPoolExecutor(8) as pool:
        statuses = Counter(pool.map(lambda _: requests.get(base + "/static/portal.css", timeout=10).status_code,
                                    range(REQUESTS)))
    assert statuses == Counter({200: REQUESTS})
    served_each = {pid: count(families, "static") - before_each.get(pid, 0)
                   for pid, families in per_worker(folder).items()}
    assert len(served_each) == 2 and all(served_each.values()), served_each  # both workers served some
    assert sum(served_each.values()) == REQUESTS
    for _ in range(4):  # every scrape gives the sum, whichever worker answers it
        assert count(scrape(base), "static") - count(before, "static") == REQUESTS
    assert requests.get(base + "/metrics", timeout=10).status_code == 401
