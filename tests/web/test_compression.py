"""Pages go out compressed to browsers that ask for it; streamed exports keep streaming, uncompressed."""
from __future__ import annotations

import datetime as dt
import gzip
from zoneinfo import ZoneInfo

import brotli

from portal.services.reports import facts as report_facts
from tests import factories


def test_a_page_is_gzipped_only_when_the_browser_accepts_gzip(client, demo, auth):
    auth.login()
    plain = client.get("/inbox")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]

    squeezed = client.get("/inbox", headers={"Accept-Encoding": "gzip"})
    assert squeezed.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(squeezed.get_data())
    assert b"<h1" in body
    assert len(squeezed.get_data()) < len(body) / 2
    assert int(squeezed.headers["Content-Length"]) == len(squeezed.get_data())


def test_brotli_is_preferred_when_offered(client, demo, auth):
    auth.login("admin@demo.test")
    response = client.get("/admin/routing", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"<h1" in brotli.decompress(response.get_data())


def test_json_is_compressed_too(client, app):
    # the API description is a large JSON document anyone may read
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).lstrip().startswith(b"{")


def test_a_streamed_csv_export_still_streams_when_gzip_is_accepted(client, demo, auth, now, monkeypatch):
    monkeypatch.setattr(report_facts, "CHUNK", 1)  # a row a chunk
    for hours in range(1, 6):
        factories.ticket(now - dt.timedelta(hours=hours))
    auth.login("manager@demo.test")
    today = now.astimezone(ZoneInfo(client.application.config["PORTAL_TIMEZONE"])).date()  # the report's days
    query = {"from": str(today - dt.timedelta(days=1)), "to": str(today), "by": "ticket"}
    whole = client.get("/reports/sla.csv", query_string=query).get_data()

    response = client.get("/reports/sla.csv", query_string=query, buffered=False,
                          headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    body = iter(response.response)
    first = next(body)  # the header row arrives before the rows are all read
    assert first and whole.startswith(first) and len(first) < len(whole)
    rest = b"".join(body)
    response.close()
    assert first + rest == whole
    assert whole.decode("utf-8-sig").count("\n") == 1 + 5
