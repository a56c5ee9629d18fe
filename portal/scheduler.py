"""The APScheduler process behind `flask --app wsgi sla scheduler`.

One such process runs beside the web workers; web workers never start one. The sweep is
idempotent in the database, so a second scheduler by mistake is harmless."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from .extensions import db
from .services import reports, retention, seller_notify_delivery, sla_jobs, webhook_delivery
from .services.runtime import runtime, utcnow

log = logging.getLogger("portal.scheduler")


@contextmanager
def job(app: Flask, name: str) -> Iterator[None]:
    """A job's run in an app context of its own. A database that is down, busy past the timeout or
    locked leaves one warning line and nothing half-written: every job is idempotent and catches up
    at its next run (the sweep from the stored due times)."""
    with app.app_context():
        try:
            yield
        except (OperationalError, InterfaceError) as exc:
            db.session.rollback()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
            log.warning("%s: database unavailable (%s); tried again at the next run", name, reason)
        finally:
            db.session.remove()


def sweep_job(app: Flask) -> None:
    with job(app, "sla sweep"):
        manager_after = dt.timedelta(minutes=app.config["SLA_MANAGER_ESCALATION_MINUTES"])
        result = sla_jobs.sweep(utcnow(), manager_after, app.config["SLA_BUMP_PRIORITY_ON_BREACH"])
        sla_jobs.beat("sla-sweep", utcnow(), result.line())
        log.info("sla sweep %s", result.line())


def webhooks_job(app: Flask) -> None:
    """One webhook delivery pass; safe beside another scheduler's (deliveries are claimed)."""
    with job(app, "webhooks"):
        result = webhook_delivery.deliver_due(utcnow())
        if result != webhook_delivery.DeliveryPass(0, 0, 0):
            log.info("webhooks %s", result.line())


def notifications_job(app: Flask) -> None:
    """One seller notification pass; run every NOTIFY_SECONDS, so a seller hears of a reply within a
    minute even when one try fails and the next pass finds nothing else due."""
    with job(app, "seller notifications"):
        result = seller_notify_delivery.deliver_due(utcnow())
        if result != seller_notify_delivery.NotifyPass():
            log.info("seller notifications %s", result.line())


def retention_job(app: Flask) -> None:
    """Remove attachments and contact phones of tickets closed PORTAL_RETENTION_DAYS ago; says what
    it removed in the log and in its heartbeat."""
    with job(app, "retention"):
        result = retention.apply_retention(utcnow(), app.config["PORTAL_RETENTION_DAYS"], runtime().upload_dir,
                                           actor_label="scheduler")
        sla_jobs.beat("retention", utcnow(), result.line())
        log.info("retention %s", result.line())


def _scheduled_report(app: Flask, name: str, days: int, by: str) -> Path | None:
    """Write the report of the `days` local days before today into REPORTS_DIR; returns the file
    (None when the database was unavailable)."""
    with job(app, f"report {name}"):
        rt = runtime()
        last = utcnow().astimezone(rt.timezone).date() - dt.timedelta(days=1)
        first = last - dt.timedelta(days=days - 1)
        folder = Path(app.config["REPORTS_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / name.format(first=first, last=last)
        reports.write_report(out, first, last, by, now=utcnow(), timezone=rt.timezone)
        log.info("report written to %s", out)
        return out
    return None


def daily_report_job(app: Flask) -> Path | None:
    """Yesterday's per-ticket SLA report, as sla-YYYY-MM-DD.csv."""
    return _scheduled_report(app, "sla-{last}.csv", 1, "ticket")


def weekly_report_job(app: Flask) -> Path | None:
    """The past week's summary per department, as sla-week-FIRST-LAST.csv."""
    return _scheduled_report(app, "sla-week-{first}-{last}.csv", 7, "department")


NOTIFY_SECONDS = 15


def build_scheduler(app: Flask, interval_seconds: int = 60, webhook_seconds: int = 30,
                    notify_seconds: int = NOTIFY_SECONDS) -> BlockingScheduler:
    with app.app_context():
        tz = runtime().timezone
    scheduler = BlockingScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 300})
    scheduler.add_job(sweep_job, IntervalTrigger(seconds=interval_seconds), args=[app], id="sla-sweep",
                      next_run_time=dt.datetime.now(tz))
    scheduler.add_job(daily_report_job, CronTrigger(hour=0, minute=5, timezone=tz), args=[app], id="daily-report")
    scheduler.add_job(weekly_report_job, CronTrigger(day_of_week="mon", hour=0, minute=10, timezone=tz), args=[app],
                      id="weekly-report")
    scheduler.add_job(webhooks_job, IntervalTrigger(seconds=webhook_seconds), args=[app], id="webhooks")
    scheduler.add_job(notifications_job, IntervalTrigger(seconds=notify_seconds), args=[app],
                      id="seller-notifications")
    if app.config.get("PORTAL_RETENTION_DAYS"):  # unset: personal data is kept
        scheduler.add_job(retention_job, IntervalTrigger(hours=1), args=[app], id="retention",
                          next_run_time=dt.datetime.now(tz))
    return scheduler


def run_forever(app: Flask, interval_seconds: int = 60) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    scheduler = build_scheduler(app, interval_seconds)
    log.info("SLA scheduler started: sweep every %ss", interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("SLA scheduler stopped")
