"""In-process CPU of a seller's submission (POST) as one department's open tickets grow: on a fresh
SQLite database with the demo data (or DATABASE_URL), submissions into the finance department (two
agents), timed over 100 POSTs at 200, 1,000, 3,000 and 6,000 tickets. A submission's cost should not
grow with the backlog (bench/README.md, "Figures, 2026-12-08").

    .venv/bin/python bench/backlog_cost.py
"""
import logging
import os
import re
import sys
import tempfile
import time

tmp = tempfile.mkdtemp()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/p.sqlite3")
os.environ.update(SECRET_KEY="k" * 40, UPLOAD_DIR=f"{tmp}/up", RATELIMIT_SELLER="1000000 per minute",
                  PUBLIC_BASE_URL="http://127.0.0.1:5000")
sys.path.insert(0, os.getcwd())
logging.disable(logging.CRITICAL)
from portal import create_app  # noqa: E402  (the environment is set above)

app = create_app()
with app.app_context():
    from flask_migrate import upgrade

    upgrade()
runner = app.test_cli_runner()
runner.invoke(args=["demo", "load"])
path = "/" + runner.invoke(args=["sellers", "link", "DEMO-001"]).output.strip().splitlines()[-1].split("/", 3)[3]
client = app.test_client()
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def post() -> None:
    answer = client.post(path + "/tickets", data={"csrf_token": token, "category": "finance", "tracking_numbers": "",
                                                  "description": "Phí COD bị trừ hai lần, nhờ kiểm tra giúp."})
    assert answer.status_code in (302, 303), answer.status_code


done = 0
for target in (200, 1000, 3000, 6000):
    while done < target - 100:
        post()
        done += 1
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(100):
        post()
    done += 100
    print(f"{done:>5} tickets ({done // 2:,} open per agent): POST {(time.process_time() - cpu) * 10:.2f} ms CPU, "
          f"{(time.perf_counter() - wall) * 10:.2f} ms wall")
