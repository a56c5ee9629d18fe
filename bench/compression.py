"""What compressing pages costs and saves: an agent's inbox page (and the routing rules page) fetched
in-process through the test client, on a fresh SQLite database with the demo data, without compression
and with gzip and brotli at a few levels. Run from a checkout:

    .venv/bin/python bench/compression.py

Prints, per page and setting, the bytes sent and the CPU milliseconds of this process per request
(median of 5 rounds of 40 requests), and the CPU microseconds of compressing the page's body alone
(median of 200), the steadier figure on a shared machine."""
import gzip
import logging
import os
import re
import statistics
import sys
import tempfile
import time

tmp = tempfile.mkdtemp()
os.environ.update(SECRET_KEY="k" * 40, DATABASE_URL=f"sqlite:///{tmp}/p.sqlite3", UPLOAD_DIR=f"{tmp}/up",
                  RATELIMIT_LOGIN="1000000 per minute", PUBLIC_BASE_URL="http://127.0.0.1:5000")
sys.path.insert(0, os.getcwd())
logging.disable(logging.CRITICAL)
import brotli  # noqa: E402

from portal import create_app  # noqa: E402  (the checkout is chosen above)

SETTINGS = [("none", None, None), ("gzip", "COMPRESS_LEVEL", 1), ("gzip", "COMPRESS_LEVEL", 3),
            ("gzip", "COMPRESS_LEVEL", 6), ("br", "COMPRESS_BR_LEVEL", 1), ("br", "COMPRESS_BR_LEVEL", 4)]
PAGES = [("agent", "/inbox"), ("admin", "/admin/routing")]
ROUNDS, REQUESTS = 5, 40

app = create_app()
with app.app_context():
    from flask_migrate import upgrade

    upgrade()
assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0


def logged_in(email: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": email, "password": "demo-password-2026", "csrf_token": csrf})
    assert response.status_code in (302, 303), response.status_code
    return client


def measure(client, path: str, encoding: str) -> tuple[int, float]:
    headers = {"Accept-Encoding": encoding} if encoding != "none" else {}
    size = len(client.get(path, headers=headers).get_data())
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REQUESTS):
            client.get(path, headers=headers).get_data()
        rounds.append((time.process_time() - started) / REQUESTS * 1000)
    return size, statistics.median(rounds)


def compress_us(body: bytes, encoding: str, level: int | None) -> float:
    if level is None:
        return 0.0
    squeeze = (lambda: gzip.compress(body, level)) if encoding == "gzip" else (
        lambda: brotli.compress(body, quality=level, lgwin=22))
    times = []
    for _ in range(200):
        started = time.process_time()
        squeeze()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1e6


clients = {"agent": logged_in("agent1.delivery@demo.test"), "admin": logged_in("admin@demo.test")}
print(f"{'page':<16}{'setting':<10}{'bytes':>9}{'ms/request':>12}{'ms vs none':>12}{'compress µs':>13}")
for who, path in PAGES:
    base = None
    body = clients[who].get(path).get_data()
    for encoding, key, level in SETTINGS:
        if key:
            app.config[key] = level
        size, ms = measure(clients[who], path, encoding)
        base = ms if base is None else base
        label = encoding if level is None else f"{encoding}-{level}"
        print(f"{path:<16}{label:<10}{size:>9}{ms:>12.2f}{ms - base:>+12.2f}"
              f"{compress_us(body, encoding, level):>13.0f}")
