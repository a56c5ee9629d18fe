"""The APScheduler process behind `sla scheduler`: its jobs, and what each job does on a real database."""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
import time
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

from portal import scheduler as portal_scheduler
from portal.extensions import db
from portal.models import Event, Ticket
from portal.services.runtime import runtime
from tests import factories

# the per-ticket columns PRODUCT.md promises, in their order
CONTRACT_COLUMNS = ["reference", "seller_code", "department", "category", "priority", "status", "created_at",
                    "first_response_due_at", "first_responded_at", "first_response_minutes", "sla_met",
                    "resolved_at", "csat"]


def started_paused(app, interval: int = 60):
    """A scheduler as `sla scheduler` builds it, started paused in a thread: its jobs are then
    registered with the scheduler's defaults applied, and nothing runs."""
    scheduler = portal_scheduler.build_scheduler(app, interval)
    thread = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    for _ in range(200):
        if scheduler.running:
            break
        time.sleep(0.01)
    assert scheduler.running
    return scheduler, thread


def test_scheduler_has_the_sweep_and_daily_report_jobs_coalesced_one_instance_each(app):
    scheduler, thread = started_paused(app, 7)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert {"sla-sweep", "daily-report"} <= set(jobs)
        for job in jobs.values():  # a late or slow run is never doubled up, for any job
            assert job.coalesce is True
            assert job.max_instances == 1
        sweep, report = jobs["sla-sweep"], jobs["daily-report"]
        assert sweep.args == (app,) and report.args == (app,)
        assert sweep.func is portal_scheduler.sweep_job
        assert isinstance(sweep.trigger, IntervalTrigger)
        assert sweep.trigger.interval == dt.timedelta(seconds=7)
        # the first sweep is due at once, not one interval after start
        assert sweep.next_run_time <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        assert report.func is portal_scheduler.daily_report_job
        assert isinstance(report.trigger, CronTrigger)
        fields = {f.name: str(f) for f in report.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("0", "5")
        assert str(report.trigger.timezone) == app.config["PORTAL_TIMEZONE"]
        local_next = report.next_run_time.astimezone(runtime().timezone)
        assert (local_next.hour, local_next.minute) == (0, 5)
    finally:
        scheduler.shutdown(wait=False)
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_scheduler_interval_below_five_seconds_is_refused(app, runner):
    result = runner.invoke(args=["sla", "scheduler", "--interval", "4"])
    assert result.exit_code != 0
    assert "--interval" in result.output


def test_daily_report_job_writes_yesterdays_local_day_with_bom_and_contract_header(app, demo):
    tz = runtime().timezone
    today = dt.datetime.now(tz).date()
    yesterday = today - dt.timedelta(days=1)
    midnight = dt.datetime.combine(yesterday, dt.time(), tz)
    inside = [factories.ticket(midnight).id, factories.ticket(midnight + dt.timedelta(hours=12)).id,
              factories.ticket(midnight + dt.timedelta(days=1) - dt.timedelta(seconds=1)).id]
    outside = [factories.ticket(midnight - dt.timedelta(seconds=1)).id, factories.ticket(dt.datetime.now(dt.UTC)).id]
    references = dict(db.session.execute(select(Ticket.id, Ticket.reference)).all())
    db.session.commit()

    out = portal_scheduler.daily_report_job(app)

    assert out == Path(app.config["REPORTS_DIR"]) / f"sla-{yesterday.isoformat()}.csv"
    assert out.exists() and not out.with_name(out.name + ".part").exists()
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[0] == "reference"
    assert [c for c in header if c in CONTRACT_COLUMNS] == CONTRACT_COLUMNS
    body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert sorted(r["reference"] for r in body) == sorted(references[i] for i in inside)
    assert not {references[i] for i in outside} & {r["reference"] for r in body}
    for row in body:
        created = dt.datetime.fromisoformat(row["created_at"])
        assert created.utcoffset() == dt.timedelta(hours=7)  # shown in the portal's zone
        assert created.date() == yesterday
        assert row["sla_met"] in ("", "true", "false") and row["seller_code"] == "DEMO-001"
    # running again (a restarted scheduler) replaces the file, it does not append
    assert portal_scheduler.daily_report_job(app) == out
    assert out.read_bytes() == raw


def test_daily_report_job_on_an_empty_day_still_writes_the_header(app, demo):
    out = portal_scheduler.daily_report_job(app)
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffreference,")
    assert len([line for line in text.splitlines() if line.strip()]) == 1


def test_sweep_job_marks_an_overdue_ticket_and_logs_the_counts(app, demo, caplog, monkeypatch):
    # the session's migrations ran Alembic's fileConfig, which disables loggers that existed before
    monkeypatch.setattr(logging.getLogger("portal.scheduler"), "disabled", False)
    now = dt.datetime.now(dt.UTC)
    overdue = factories.ticket(now - dt.timedelta(hours=5)).id          # due an hour ago
    at_risk = factories.ticket(now - dt.timedelta(hours=3, minutes=30)).id  # due in 30 minutes
    fresh = factories.ticket(now).id
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="portal.scheduler"):
        portal_scheduler.sweep_job(app)

    db.session.expire_all()
    ticket = db.session.get(Ticket, overdue)
    assert ticket.breached_at and ticket.escalated_at and ticket.at_risk_marked_at
    assert ticket.manager_escalated_at is None  # an hour late: the managers' threshold is two
    kinds = sorted(db.session.scalars(select(Event.kind).where(
        Event.ticket_id == overdue, Event.kind.in_(("sla_at_risk", "sla_breached", "escalated")))))
    assert kinds == ["escalated", "sla_at_risk", "sla_breached"]
    assert db.session.get(Ticket, at_risk).at_risk_marked_at and db.session.get(Ticket, at_risk).breached_at is None
    assert db.session.get(Ticket, fresh).at_risk_marked_at is None
    assert "sla sweep at_risk=2 breached=1 escalated=1" in caplog.text
    db.session.commit()

    # the next run finds nothing new
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="portal.scheduler"):
        portal_scheduler.sweep_job(app)
    assert "sla sweep at_risk=0 breached=0 escalated=0" in caplog.text
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "sla_breached")) == 1
