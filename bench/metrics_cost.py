"""What counting a request for /metrics costs: the start-clock middleware and the after_request hook
of portal/metrics.py, on one matched request, in one process or in prometheus_client's multiprocess
mode (as under gunicorn). Prints the best of five rounds, in microseconds per request.

    python bench/metrics_cost.py            # one process
    python bench/metrics_cost.py --multi    # counts in files, as gunicorn's workers keep them
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multi", action="store_true", help="multiprocess mode (PROMETHEUS_MULTIPROC_DIR)")
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    if args.multi:  # before prometheus_client is imported: the library decides then
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
    from flask import Flask, Response

    from portal import metrics

    app = Flask(__name__)
    metrics.init_app(app)

    @app.get("/s/<token>")
    def home(token: str) -> str:
        return "ok"

    count = app.after_request_funcs[None][-1]  # the hook init_app registered
    clock = metrics._StartClock(lambda environ, start_response: None)
    response = Response("ok")
    context = app.test_request_context("/s/abc")
    context.match_request()
    rounds = []
    with context:
        environ = context.request.environ
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(args.requests):
                clock(environ, None)
                count(response)
            rounds.append((time.perf_counter() - started) / args.requests * 1e6)
    mode = "multiprocess" if args.multi else "one process"
    print(f"{mode}: {min(rounds):.1f} µs per request (rounds: {', '.join(f'{r:.1f}' for r in rounds)})")


if __name__ == "__main__":
    main()
