"""One structured log line per request: JSON with the request id the response carries, the method,
the path with any seller link token taken out, the status and the time taken."""
from __future__ import annotations

import io
import json
import logging

from portal.observability import JsonFormatter, log


def test_each_request_logs_one_json_line_without_the_link_token(app, client, seller, demo):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    app.testing = False  # the suite keeps request lines out of its output
    try:
        path = seller.link_path()
        response = client.get(path, headers={"X-Request-ID": "req-42"})
        missing = client.get("/s/not-a-token")
    finally:
        app.testing = True
        log.removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [("GET", "/s/<token>", 200),
                                                                      ("GET", "/s/<token>", 404)]
    first, second = lines
    assert first["request_id"] == "req-42" == response.headers["X-Request-ID"]
    assert second["request_id"] == missing.headers["X-Request-ID"] != "req-42"
    assert first["message"] == "request" and first["logger"] == "portal.request" and first["level"] == "INFO"
    assert isinstance(first["ms"], float) and first["ms"] >= 0
    token = path.rsplit("/", 1)[1]
    assert token not in out.getvalue()
