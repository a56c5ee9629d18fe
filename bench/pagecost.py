"""In-process cost of one seller visit (GET the form) and one submission (POST), on a fresh SQLite
database with the demo data; the checkout measured is the current directory, so one script compares
two commits (bench/README.md, "What the library patches were worth"):

    cd /path/to/other/checkout && python /path/to/bench/pagecost.py

Prints CPU milliseconds of this process per GET and per POST, the median of 5 rounds of 100."""
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
