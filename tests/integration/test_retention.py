"""PORTAL_RETENTION_DAYS: attachments (rows and files) and contact phones of tickets closed longer
ago go, audited; everything else stays. Run by the scheduler and by `retention apply`, on a real
database (SQLite and PostgreSQL), twice, and twice at once."""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading

import pytest
from sqlalchemy import select

from portal import scheduler as portal_scheduler
from portal.extensions import db
from portal.models import Attachment, AuditEvent, SchedulerHeartbeat, SellerNotification, Ticket
from portal.services import audit, retention, uploads
from portal.services.runtime import runtime
from tests import factories
from tests.files import pdf, png

DAY = dt.timedelta(days=1)


PHONE = "0901234567"
FILES = (("receipt.pdf", pdf()), ("shot1.png", png()))


def stored_names(ticket_id: int) -> list[str]:
    return list(db.session.scalars(select(Attachment.stored_name).where(Attachment.ticket_id == ticket_id)))


def made_60_days_ago(now: dt.datetime, *, files: int = 1, **fields) -> tuple[int, str, list[str]]:
    """A ticket with `files` attachments created 60 days before `now` (`fields` say what became of it
    since); returns (id, reference, stored file names), with no transaction left open."""
    ticket = factories.ticket(now - 60 * DAY, phone=PHONE, files=FILES[:files], **fields)
    names = stored_names(ticket.id)
    db.session.commit()
    assert len(names) == files
    return ticket.id, ticket.reference, names


def on_disk(names: list[str]) -> list[bool]:
    return [uploads.stored_path(name, runtime().upload_dir).exists() for name in names]


def state(ticket_id: int) -> tuple:
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    count = len(db.session.scalars(select(Attachment.id).where(Attachment.ticket_id == ticket_id)).all())
    return ticket.contact_phone, count, ticket.description


@pytest.fixture
def aged(demo, now):
    """Tickets on both sides of a 30-day limit."""
    return {
        "closed_old": made_60_days_ago(now, status="closed", resolved_at=now - 31 * DAY, closed_at=now - 31 * DAY,
                                       files=2),
        "resolved_old": made_60_days_ago(now, status="resolved", resolved_at=now - 45 * DAY),
        "closed_old_no_files": made_60_days_ago(now, status="closed", resolved_at=now - 40 * DAY,
                                                closed_at=now - 40 * DAY, files=0),
        "closed_recent": made_60_days_ago(now, status="closed", resolved_at=now - 29 * DAY, closed_at=now - 29 * DAY),
        "resolved_recent": made_60_days_ago(now, status="resolved", resolved_at=now - DAY),
        "open_old": made_60_days_ago(now, status="open"),  # never closed
        "waiting_old": made_60_days_ago(now, status="waiting_on_seller"),
    }


def test_attachments_and_phones_of_tickets_closed_longer_ago_go_and_nothing_else(app, aged, now):
    result = retention.apply_retention(now, 30, runtime().upload_dir, actor_label="cli")
    assert result == retention.RetentionResult(tickets=3, attachments=3, phones=3, files=3)
    for key in ("closed_old", "resolved_old", "closed_old_no_files"):
        ticket_id, _reference, names = aged[key]
        assert state(ticket_id) == (None, 0, "Shipper chưa đến lấy hàng")  # the ticket's own text stays
        assert not any(on_disk(names))
    for key in ("closed_recent", "resolved_recent", "open_old", "waiting_old"):
        ticket_id, _reference, names = aged[key]
        assert state(ticket_id) == ("0901234567", 1, "Shipper chưa đến lấy hàng")
        assert all(on_disk(names))
    [event] = audit.events(audit.AuditFilter(action="retention.applied"))
    assert event.actor_label == "cli" and event.target_kind == "tickets"
    assert event.target_label == f"closed before {(now - 30 * DAY).date().isoformat()}"
    assert event.after == {"days": 30, "attachments": 3, "phones": 3, "notifications": 0,
                           "tickets": sorted(aged[k][1] for k in ("closed_old", "resolved_old", "closed_old_no_files"))}


def told(ticket_id: int, status: str, now: dt.datetime) -> int:
    """A message to the seller about the ticket, as the outbox keeps it (its body holds the phone)."""
    ticket = db.session.get(Ticket, ticket_id)
    row = SellerNotification(ticket_id=ticket_id, seller_id=ticket.seller_id, channel="gateway", event="replied",
                             payload_json=json.dumps({"phone": PHONE, "link": "https://portal.example/s/secret"}),
                             idempotency_key=f"k-{ticket_id}-{status}", status=status, next_attempt_at=now,
                             created_at=now - 50 * DAY, updated_at=now - 50 * DAY)
    db.session.add(row)
    db.session.commit()
    return row.id


def test_messages_sent_to_the_seller_about_old_closed_tickets_go_once_done_with(app, aged, now):
    """The outbox's finished messages (delivered, refused, given up) of tickets closed longer ago go
    with the phone they carry; a message still to be sent, and those of other tickets, stay."""
    old, recent, still_open = aged["closed_old_no_files"][0], aged["closed_recent"][0], aged["open_old"][0]
    gone = [told(old, status, now) for status in ("delivered", "refused", "dead")]
    kept = [told(old, "pending", now), told(recent, "delivered", now), told(still_open, "delivered", now)]
    result = retention.apply_retention(now, 30, runtime().upload_dir, actor_label="retention")
    assert result.notifications == 3 and result.tickets == 3
    left = set(db.session.scalars(select(SellerNotification.id)))
    assert not left & set(gone) and set(kept) <= left
    record = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.applied")).one()
    assert record.after["notifications"] == 3
    again = retention.apply_retention(now, 30, runtime().upload_dir, actor_label="retention")
    assert again == retention.RetentionResult()


def test_a_second_run_removes_and_records_nothing(app, aged, now):
    retention.apply_retention(now, 30, runtime().upload_dir, actor_label="cli")
    again = retention.apply_retention(now + dt.timedelta(minutes=5), 30, runtime().upload_dir, actor_label="cli")
    assert again == retention.RetentionResult()
    assert len(audit.events(audit.AuditFilter(action="retention.applied"))) == 1


def test_a_ticket_without_a_close_time_is_never_taken_for_an_old_one(app, demo, now):
    ticket_id, _reference, names = made_60_days_ago(now, status="closed")  # closed_at and resolved_at unknown
    assert retention.apply_retention(now, 1, runtime().upload_dir, actor_label="cli").tickets == 0
    assert state(ticket_id)[:2] == ("0901234567", 1) and all(on_disk(names))


def test_files_stay_when_the_transaction_does_not_commit(app, aged, now, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the audit record could not be written")

    monkeypatch.setattr(retention.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        retention.apply_retention(now, 30, runtime().upload_dir, actor_label="cli")
    ticket_id, _reference, names = aged["closed_old"]
    assert state(ticket_id)[:2] == ("0901234567", 2) and all(on_disk(names))


def test_two_runs_at_once_remove_each_thing_once(app, aged, now, monkeypatch):
    # many small transactions (one ticket changed, two ids read at most), so that the two runs interleave
    monkeypatch.setattr(retention, "BATCH", 1)
    monkeypatch.setattr(retention, "SCAN", 2)
    results: list = []
    errors: list = []

    def run():
        try:
            with app.app_context():
                results.append(retention.apply_retention(now, 30, runtime().upload_dir, actor_label="scheduler"))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    db.session.commit()  # each run opens its own session: leave SQLite's write lock free for them
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(r.attachments for r in results) == 3 and sum(r.phones for r in results) == 3
    assert sum(r.files for r in results) == 3 and sum(r.tickets for r in results) == 3
    recorded = audit.events(audit.AuditFilter(action="retention.applied"))
    assert sorted(ref for e in recorded for ref in e.after["tickets"]) == sorted(
        aged[k][1] for k in ("closed_old", "resolved_old", "closed_old_no_files"))


def test_the_command_applies_the_configured_days_and_ends_with_the_counts(app, aged, now, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_DAYS", None)
    refused = runner.invoke(args=["retention", "apply"])
    assert refused.exit_code != 0 and "PORTAL_RETENTION_DAYS" in refused.output
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_DAYS", 30)
    done = runner.invoke(args=["retention", "apply", "--now", now.isoformat()])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == "tickets=3 attachments=3 phones=3 notifications=0 files=3"
    assert "removed 3 attachment(s)" in done.output
    again = runner.invoke(args=["retention", "apply", "--now", now.isoformat(), "--days", "30"])
    assert "nothing left to remove" in again.output
    assert again.output.splitlines()[-1] == "tickets=0 attachments=0 phones=0 notifications=0 files=0"
    wider = runner.invoke(args=["retention", "apply", "--now", now.isoformat(), "--days", "20"])
    # closed 29 days ago
    assert wider.output.splitlines()[-1] == "tickets=1 attachments=1 phones=1 notifications=0 files=1"


def test_the_scheduler_runs_it_hourly_only_when_configured_and_says_what_it_removed(app, aged, monkeypatch,
                                                                                     caplog):
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_DAYS", None)
    assert "retention" not in {job.id for job in portal_scheduler.build_scheduler(app).get_jobs()}
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_DAYS", 30)
    job = {job.id: job for job in portal_scheduler.build_scheduler(app).get_jobs()}["retention"]
    assert job.func is portal_scheduler.retention_job and job.trigger.interval == dt.timedelta(hours=1)
    db.session.commit()  # the job opens its own session: leave SQLite's write lock free for it
    with caplog.at_level(logging.INFO, logger="portal.scheduler"):
        portal_scheduler.retention_job(app)
    assert "retention tickets=3 attachments=3 phones=3 notifications=0 files=3" in caplog.text
    db.session.expire_all()
    beat = db.session.get(SchedulerHeartbeat, "retention")
    assert beat.detail == "tickets=3 attachments=3 phones=3 notifications=0 files=3"
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.applied")).all()
    assert event.actor_label == "scheduler" and json.loads(event.after_json)["attachments"] == 3


@pytest.mark.parametrize(("raw", "days"), [("", None), ("365", 365), (" 30 ", 30)])
def test_the_variable_is_a_whole_number_of_days_or_unset(monkeypatch, raw, days):
    from portal.config import Config

    monkeypatch.setenv("PORTAL_RETENTION_DAYS", raw)
    assert Config().PORTAL_RETENTION_DAYS == days


@pytest.mark.parametrize("raw", ["0", "-5", "1.5", "a year"])
def test_a_wrong_value_stops_the_start_and_names_the_variable(monkeypatch, raw):
    from portal.config import Config

    monkeypatch.setenv("PORTAL_RETENTION_DAYS", raw)
    with pytest.raises(RuntimeError, match="PORTAL_RETENTION_DAYS"):
        Config()


def test_results_add_up_field_by_field():
    a = retention.RetentionResult(tickets=1, attachments=2, phones=3, files=4, notifications=5)
    b = retention.RetentionResult(tickets=10, attachments=20, phones=30, files=40, notifications=50)
    assert a + b == retention.RetentionResult(11, 22, 33, 44, 55)
    assert (a + b).line() == "tickets=11 attachments=22 phones=33 notifications=55 files=44"
