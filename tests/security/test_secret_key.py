"""No key lives in the code: without SECRET_KEY only the development server (the `flask` command
line) starts, with a random key of its own kept under instance/; gunicorn and any other WSGI server
refuse and name SECRET_KEY. Old keys keep links and sessions working during a rotation."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest

from portal import create_app
from portal.config import Config, development_secret_key
from tests.clients import AuthActions, FreshGClient

ROOT = Path(__file__).resolve().parents[2]


def config(monkeypatch, tmp_path, **env: str) -> Config:
    for name in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "PORTAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    cfg = Config()
    cfg.INSTANCE_DIR = str(tmp_path / "instance")
    return cfg


def test_no_key_in_the_code():
    sources = [p.read_text() for p in (ROOT / "portal").rglob("*.py")]
    assert not any("dev-insecure" in text or "change-me" in text for text in sources)


def test_a_wsgi_server_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY is missing"):
        create_app(config(monkeypatch, tmp_path))
    assert not (tmp_path / "instance").exists()


def test_production_refuses_even_on_the_command_line(monkeypatch, tmp_path):
    with click.Context(click.Command("run")).scope(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config(monkeypatch, tmp_path, PORTAL_ENV="production"))


def test_the_development_server_keeps_a_random_key_of_its_own(monkeypatch, tmp_path):
    with click.Context(click.Command("run")).scope():
        first = create_app(config(monkeypatch, tmp_path)).secret_key
        second = create_app(config(monkeypatch, tmp_path)).secret_key
    key_file = tmp_path / "instance" / "secret_key"
    assert first == second == key_file.read_text().strip() and len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = tmp_path / "elsewhere"
    assert development_secret_key(other) != first  # random, not derived from anything


def test_processes_starting_together_agree_on_one_key(tmp_path):
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(development_secret_key(tmp_path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_a_given_key_is_used_as_it_is(monkeypatch, tmp_path):
    app = create_app(config(monkeypatch, tmp_path, SECRET_KEY="k" * 40, SECRET_KEY_FALLBACKS="old1, old2"))
    assert app.secret_key == "k" * 40 and app.config["SECRET_KEY_FALLBACKS"] == ["old1", "old2"]


@pytest.mark.parametrize("command", [
    ["-c", "gunicorn.conf.py"],                # make serve's layout: refused before any worker starts
    ["-c", os.devnull, "--workers", "1"],      # without the config file: the app refuses in the worker
])
def test_gunicorn_refuses_to_start_without_secret_key(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PORTAL_ENV")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run([str(gunicorn), *command, "-b", "127.0.0.1:0", "wsgi:app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stdout + result.stderr


def test_old_links_and_sessions_keep_working_during_a_rotation(app, demo):
    from portal.services import links, sellers

    old_key = app.config["SECRET_KEY"]
    seller = sellers.by_code("DEMO-001")
    old_link = f"/s/{links.link_token(seller, old_key)}"
    app.test_client_class = FreshGClient
    staff = app.test_client()
    assert AuthActions(staff).login().status_code == 303
    old_cookie = staff.get_cookie("session").value
    try:
        app.config.update(SECRET_KEY="the-new-key-" + "n" * 40, SECRET_KEY_FALLBACKS=[old_key])
        app.extensions.pop("portal.runtime", None)
        assert app.test_client().get(old_link).status_code == 200
        assert staff.get("/inbox").status_code == 200  # and the answer signs the cookie anew with the new key
        assert staff.get_cookie("session").value != old_cookie
        new_link = f"/s/{links.link_token(seller, app.config['SECRET_KEY'])}"
        assert new_link != old_link and app.test_client().get(new_link).status_code == 200
        app.config["SECRET_KEY_FALLBACKS"] = []  # the rotation is over: the old key opens nothing
        app.extensions.pop("portal.runtime", None)
        assert app.test_client().get(old_link).status_code == 404
        assert staff.get("/inbox").status_code == 200
        stale = app.test_client()
        stale.set_cookie("session", old_cookie)
        assert stale.get("/inbox").status_code == 302
    finally:
        app.config.update(SECRET_KEY=old_key, SECRET_KEY_FALLBACKS=[])
        app.extensions.pop("portal.runtime", None)
