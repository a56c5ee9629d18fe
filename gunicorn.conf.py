"""gunicorn settings for production; the SLA scheduler runs as its own process, never in here."""
import glob
import os
import tempfile

# Two worker processes per CPU, one request at a time each (gunicorn's sync worker; WEB_THREADS > 1
# selects its threaded worker instead). Measured on 2 CPUs under 16 concurrent sellers (bench/README.md):
# 4 x 1 served about a quarter more submissions than 4 x 2, which left one CPU partly idle. Threads of
# one process take turns on its interpreter lock, a threaded worker keeps each keep-alive connection
# (so the busier worker saturates while another idles), and on SQLite a thread waiting for the write
# lock sleeps in SQLite's growing back-off (1, 2, 5, 10 … ms) where a sync worker is simply not
# accepting: the request goes to a worker that is free.
# A sync worker answers one connection at a time and closes it after the response: it belongs behind
# a buffering proxy (docs/deploy.md), which also shields it from slow clients. While one streams a
# long CSV export, the other workers accept everything else. `timeout` bounds a single request in a
# sync worker: an export of 1M tickets takes about 15 s; WEB_TIMEOUT raises it for larger ones.
# The CPUs this process may run on (not the host's, where a container is pinned to fewer), and at
# most 8 workers unless WEB_WORKERS says otherwise: each holds its own copy of the app in memory.
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
workers = int(os.environ.get("WEB_WORKERS") or min(2 * CPUS, 8))
threads = int(os.environ.get("WEB_THREADS") or 1)
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
# no access log by default: the app logs each request itself as one JSON line (portal/observability.py).
# One given with --access-logfile is redacted like every other line (on_starting below).
accesslog = None


def on_starting(server):
    # seller link tokens and bearer tokens never reach gunicorn's error or access log, from this
    # process or from the workers it forks (portal/logredact.py)
    from portal import logredact

    logredact.install()
    # No key lives in the code, and a web server never makes one up: links and sessions signed with a
    # key only this process knows would break at the next start, and with a published one anybody could
    # forge them. gunicorn prints this and exits 1 (the app itself refuses too, without this file).
    if not (os.environ.get("SECRET_KEY") or server.cfg.env.get("SECRET_KEY")):
        raise RuntimeError("SECRET_KEY is missing: set it to a long random value before starting gunicorn, e.g. "
                           "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')")


# --- Prometheus metrics (portal/metrics.py) --------------------------------------------------------
# Each worker writes its request counts to files in PROMETHEUS_MULTIPROC_DIR and GET /metrics adds
# them up (prometheus_client's multiprocess mode). The variable must be set before a worker imports
# the app, and the folder must not keep an earlier run's counts: unset, a fresh folder per start;
# given, it is emptied of counts at start (and at a reload, which starts the counts afresh).
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for _stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(_stale)
else:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # The worker has loaded the application: what it made at start-up (modules, mappers, routes, the
    # templates' code) lives as long as the worker. Frozen (Python's gc.freeze), the cyclic collector
    # no longer walks those 200,000 objects at every full collection, which otherwise stops the request
    # under way for 70-90 ms a few times a minute under load (bench/README.md).
    import gc

    gc.freeze()
