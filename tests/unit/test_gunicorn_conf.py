"""gunicorn.conf.py as gunicorn reads it: sync workers by default, the threaded worker when asked
for threads, and the environment's overrides."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> Config:
    for name in ("WEB_WORKERS", "WEB_THREADS", "WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings: dict = {}
    exec(compile(CONF.read_text(), str(CONF), "exec"), settings)  # as gunicorn's -c does
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_the_default_is_sync_workers_two_per_cpu(monkeypatch):
    config = load(monkeypatch)
    cpus = len(os.sched_getaffinity(0))
    assert config.worker_class_str == "sync" and config.worker_class.__name__ == "SyncWorker"
    assert config.threads == 1 and config.workers == min(2 * cpus, 8)
    assert config.timeout == 60 and config.accesslog is None


def test_threads_select_the_threaded_worker(monkeypatch):
    config = load(monkeypatch, WEB_THREADS="4", WEB_WORKERS="2")
    assert config.worker_class.__name__ == "ThreadWorker" and config.threads == 4 and config.workers == 2


@pytest.mark.parametrize("value", ["120", "600"])
def test_the_request_timeout_follows_web_timeout(monkeypatch, value):
    assert load(monkeypatch, WEB_TIMEOUT=value).timeout == int(value)
