"""In-process cost of one seller visit (GET the form) and one submission (POST), on a fresh SQLite
database with the demo data; the checkout measured is the current directory, so one script compares
two commits (bench/README.md, "What the library patches were worth"):

    cd /path/to/other/checkout && python /path/to/bench/pagecost.py

Prints CPU milliseconds of this process per GET and per POST, the median of 5 rounds of 100.

    python bench/pagecost.py --backlog

times 100 POSTs at 200, 1,000, 3,000 and 6,000 tickets in one department (two agents) instead:
a submission's cost should not grow with the backlog (bench/README.md, "Figures, 2026-12-08"; on a
shared machine the spread between rounds is about 1 ms)."""
import logging
import os
import re
import statistics
import sys
import tempfile
import time

tmp = tempfile.mkdtemp()
os.environ.update(SECRET_KEY="k" * 40, DATABASE_URL=f"sqlite:///{tmp}/p.sqlite3", UPLOAD_DIR=f"{tmp}/up",
                  RATELIMIT_SELLER="1000000 per minute", PUBLIC_BASE_URL="http://127.0.0.1:5000")
sys.path.insert(0, os.getcwd())
logging.disable(logging.CRITICAL)
from portal import create_app  # noqa: E402  (the checkout is chosen above)

app = create_app()
with app.app_context():
    from flask_migrate import upgrade

    upgrade()
runner = app.test_cli_runner()
assert runner.invoke(args=["demo", "load"]).exit_code == 0
link = runner.invoke(args=["sellers", "link", "DEMO-001"]).output.strip().splitlines()[-1]
path = "/" + link.split("/", 3)[3]
client = app.test_client()
client.set_cookie("lang", "vi")


def get():
    html = client.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    key = re.search(r'name="submission_key"[^>]*value="([^"]*)"', html)
    return csrf, key.group(1) if key else ""


def post(csrf, key):
    r = client.post(f"{path}/tickets", content_type="multipart/form-data",
                    data={"csrf_token": csrf, "submission_key": key, "category": "delivery_delay",
                          "tracking_numbers": "NVDEMO00001", "description": "Đơn hàng chưa được lấy hàng từ hôm qua."})
    assert r.status_code in (302, 303), r.status_code


def backlog() -> None:
    csrf, _key = get()
    # no submission key, so each POST is a ticket of its own; no tracking number, so no ticket is the
    # same parcel's as another
    form = {"csrf_token": csrf, "category": "finance", "tracking_numbers": "",
            "description": "Phí COD bị trừ hai lần, nhờ kiểm tra giúp."}

    def submit() -> None:
        assert client.post(f"{path}/tickets", data=form).status_code in (302, 303)

    done = 0
    for target in (200, 1000, 3000, 6000):
        while done < target - 100:
            submit()
            done += 1
        started = time.process_time()
        for _ in range(100):
            submit()
        done += 100
        cpu_ms = (time.process_time() - started) * 10
        print(f"{done:>5} tickets ({done // 2:,} open per agent): POST {cpu_ms:.2f} ms CPU")


if "--backlog" in sys.argv:
    backlog()
    raise SystemExit(0)
for _ in range(30):
    post(*get())
gets, posts = [], []
for _ in range(5):
    get_seconds = post_seconds = 0.0
    for _ in range(100):
        started = time.process_time()
        form = get()
        middle = time.process_time()
        post(*form)
        get_seconds += middle - started
        post_seconds += time.process_time() - middle
    gets.append(get_seconds * 10)  # ms per request over 100
    posts.append(post_seconds * 10)
print(f"GET {statistics.median(gets):.2f} ms  POST {statistics.median(posts):.2f} ms  (CPU ms per request)")
