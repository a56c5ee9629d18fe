"""gunicorn settings for production; the SLA scheduler runs as its own process, never in here."""
import os

# Two worker processes per CPU, two threads each. Each process runs Python code on one CPU at a time,
# and a seller's keep-alive connection stays with the worker that accepted it: with only one
# process per CPU, a process holding the busier half of the connections saturates its CPU while the
# other idles (measured on 2 CPUs: 2 x 4 served about a tenth fewer submissions than 4 x 2 on SQLite).
# One thread per worker served a few percent more (bench/README.md), but such a worker answers
# nothing else while it streams a long export: the connections it holds would wait.
# The CPUs this process may run on (not the host's, where a container is pinned to fewer), and at
# most 8 workers unless WEB_WORKERS says otherwise: each holds its own copy of the app in memory.
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = int(os.environ.get("WEB_WORKERS") or min(2 * CPUS, 8))
threads = int(os.environ.get("WEB_THREADS") or 2)
timeout = 60
graceful_timeout = 30
# no access log: its request lines would carry seller link tokens; the app logs each request
# itself as JSON with the token redacted (portal/observability.py)
accesslog = None
