"""django-helpdesk, the peer to beat, built from the peer kit's recipe (RECIPE.md, run_recipe.sh:
install and set-up blocks only) into ~/.cache/portal-bench/peer, outside the repository: its code is
never part of ours. Served by gunicorn with 2 workers through tests/server.py's Process, seeded to
the wanted size with the kit's seed_tickets.py, its public form posted by wrk like the portal's."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from bench.clients import WrkResult, prep_form, wrk
from bench.common import CACHE, PEER_KIT, Budget, StepFailed, say
from tests.server import Process, ServerError, clean_environ, free_port

PEER = CACHE / "peer"
SITE = PEER / "site"
DB = SITE / "db.sqlite3"
FORM = "/tickets/submit/"


def built() -> bool:
    return (SITE / "manage.py").exists() and (PEER / "venv" / "bin" / "gunicorn").exists() and DB.exists()


def build(budget: Budget) -> None:
    """Blocks 1 and 2 of the recipe (a venv from PyPI, the Django project, migrate, superuser, queue)."""
    recipe = (PEER_KIT / "run_recipe.sh").read_text()
    setup = recipe.split("# ---- 3.", 1)[0]
    if PEER.exists():
        shutil.rmtree(PEER)  # startproject refuses an existing folder
    PEER.parent.mkdir(parents=True, exist_ok=True)
    log = CACHE / "peer-build.log"
    say(f"peer: building django-helpdesk into {PEER} (log {log})")
    with log.open("w") as out:
        result = subprocess.run(["bash", "-c", setup], env={**clean_environ(), "PEER": str(PEER), "PORT": "8900"},
                                stdout=out, stderr=subprocess.STDOUT, timeout=budget.timeout(900))
    if result.returncode != 0 or not built():
        raise StepFailed(f"peer build failed ({result.returncode}): {log.read_text()[-400:]}")


def tickets() -> int:
    with sqlite3.connect(DB, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]


def seed(target: int, budget: Budget) -> None:
    if tickets() >= target:
        return
    with (PEER_KIT / "seed_tickets.py").open() as script:
        result = subprocess.run([str(PEER / "venv" / "bin" / "python"), "manage.py", "shell"], cwd=SITE, stdin=script,
                                env={**clean_environ(), "TARGET": str(target)}, capture_output=True, text=True,
                                timeout=budget.timeout(900))
    if result.returncode != 0:
        raise StepFailed(f"peer seed: {result.stderr.strip()[-300:]}")
    say(f"peer: {result.stdout.strip().splitlines()[-1]}")


class Peer:
    """django-helpdesk under gunicorn (2 sync workers, as the recipe runs it) on a free loopback port."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "peer.log"
        self.process: Process | None = None

    def start(self, budget: Budget) -> Peer:
        cmd = [str(PEER / "venv" / "bin" / "gunicorn"), "peerdesk.wsgi:application", "--bind",
               f"127.0.0.1:{self.port}", "--workers", "2", "--no-control-socket"]
        self.process = Process(cmd, clean_environ(), self.log, cwd=SITE)
        try:
            self.process.wait_for(self.base_url + FORM, budget.timeout(60))
        except ServerError as exc:
            self.stop()
            raise StepFailed(str(exc)[:600]) from None
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def submissions(self, seconds: float) -> WrkResult:
        form = prep_form("peer", self.base_url, FORM)
        return wrk(self.base_url, "form.lua", seconds, tickets, env=form)


def prepare(size: int, budget: Budget) -> None:
    """Built, and its database exactly as seeded to `size` (a copy kept after the first seeding is put
    back, so that earlier runs' submissions do not pile up)."""
    if not built():
        build(budget)
    seeded = SITE / f"db.seeded-{size}.sqlite3"
    if seeded.exists():
        shutil.copyfile(seeded, DB)
        return
    seed(size, budget)
    shutil.copyfile(DB, seeded)
