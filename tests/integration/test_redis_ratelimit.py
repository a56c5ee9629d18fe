"""With RATELIMIT_STORAGE_URI=redis://…, processes share one login budget (Redis on 127.0.0.1:6379)."""
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import re, sys
from portal import create_app
app = create_app()
client = app.test_client()
codes = []
for _ in range(int(sys.argv[1])):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    codes.append(client.post("/login", data={"csrf_token": token, "email": "x@example.com",
                                              "password": "wrong-password"}).status_code)
print(" ".join(map(str, codes)))
"""


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_two_processes_share_the_login_limit_through_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "RATELIMIT_", "TEST_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SECRET_KEY="redis-limit-test",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", RATELIMIT_LOGIN="3 per minute",
               # a fresh address per run, so earlier runs' counters in Redis do not count
               RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    flask = Path(sys.executable).parent / "flask"
    subprocess.run([str(flask), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)

    def run(n: int) -> list[int]:
        out = subprocess.run([sys.executable, "-c", SCRIPT, str(n)], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True, timeout=120).stdout
        return [int(c) for c in out.split()]

    assert run(2) == [401, 401]
    assert run(2) == [401, 429]  # the second process sees the first one's attempts
