"""gunicorn.conf.py as gunicorn reads it: sync workers by default, the threaded worker when asked
for threads, and the environment's overrides."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import prometheus_client  # noqa: F401  (see below)
import pytest
from gunicorn.config import Config

# prometheus_client picks single- or multi-process values once, when it is first imported, from
# PROMETHEUS_MULTIPROC_DIR: imported here, before these tests set that variable, so that a later test
# in this process (on_starting below imports the portal) does not get file-backed metrics

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def metrics_folder(monkeypatch, tmp_path) -> Path:
    # the file sets PROMETHEUS_MULTIPROC_DIR for the workers it starts: here a folder of the test's
    # own, and the variable is put back as it was afterwards
    folder = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    return folder


def load(monkeypatch, **env: str) -> Config:
    for name in ("WEB_WORKERS", "WEB_THREADS", "WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = read(CONF)
    config = Config()
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)
    return config


def read(path: Path) -> dict:
    settings: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), settings)  # as gunicorn's -c does
    return settings


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


def test_without_a_metrics_folder_each_start_makes_a_fresh_one(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    load(monkeypatch)
    first = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    load(monkeypatch)
    second = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        assert first != second and first.is_dir() and second.is_dir() and not any(second.iterdir())
    finally:
        first.rmdir()
        second.rmdir()


def test_a_given_metrics_folder_is_made_or_emptied_of_an_earlier_runs_counts(monkeypatch, metrics_folder):
    load(monkeypatch)
    assert metrics_folder.is_dir()
    (metrics_folder / "counter_4242.db").write_bytes(b"old counts")
    (metrics_folder / "README").write_text("not ours")
    load(monkeypatch)
    assert sorted(p.name for p in metrics_folder.iterdir()) == ["README"]


def test_a_worker_that_exits_is_marked_dead_for_the_metrics(monkeypatch, metrics_folder):
    settings = read(CONF)
    live = metrics_folder / "gauge_livesum_4242.db"
    live.write_bytes(b"")
    kept = metrics_folder / "histogram_4242.db"  # a dead worker's counts still count
    kept.write_bytes(b"")
    settings["child_exit"](None, SimpleNamespace(pid=4242))
    assert not live.exists() and kept.exists()


def test_a_worker_freezes_what_it_loaded_at_start_up(monkeypatch):
    """After loading the application a worker moves every object it holds out of the cyclic
    collector's sight (gc.freeze), so that full collections under load walk only what requests
    made since."""
    import gc

    config = load(monkeypatch)
    assert gc.get_freeze_count() == 0
    try:
        config.post_worker_init(SimpleNamespace(pid=os.getpid()))
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
