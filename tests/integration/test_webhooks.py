"""Outbound webhooks against a real HTTP server on 127.0.0.1 and the suite's real database:
enqueued with the sweep's events, signed, retried with backoff, never sent twice. The receiver is
on loopback, which the outbound guard refuses by default: `hooks` sets OUTBOUND_ALLOW_PRIVATE
(tests/integration/test_webhooks_refused.py shows the default)."""
from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections import Counter

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.services import sla_jobs, webhook_delivery, webhooks
from tests import factories
from tests.webhook_receiver import MANAGERS_AFTER, SECRET, T0, deliveries, signed_ok

HOURS = dt.timedelta(hours=1)


@pytest.mark.usefixtures("dns")
def test_breach_sweep_enqueues_one_delivery_per_subscribed_endpoint_per_event(app, demo):
    chat = webhooks.add_endpoint("https://chat.example.com/a", "sla_breached,escalated", None, now=T0)
    risk = webhooks.add_endpoint("https://chat.example.com/b", ["sla_at_risk"], None, now=T0)
    gone = webhooks.add_endpoint("https://chat.example.com/c", "sla_breached", None, now=T0)
    webhooks.deactivate_endpoint(gone.id, now=T0)
    made = [factories.ticket(T0 - 5 * HOURS), factories.ticket(T0 - 5 * HOURS + dt.timedelta(minutes=10))]

    result = sla_jobs.sweep(T0, MANAGERS_AFTER)
    assert (result.at_risk, result.breached, result.escalated) == (2, 2, 2)
    rows = deliveries()
    per = Counter((d.endpoint_id, d.event_kind, d.ticket_id) for d in rows)
    expected = {(chat.id, kind, t.id) for t in made for kind in ("sla_breached", "escalated")}
    expected |= {(risk.id, "sla_at_risk", t.id) for t in made}
    assert set(per) == expected and set(per.values()) == {1}
    assert {d.status for d in rows} == {"pending"} and {d.next_attempt_at for d in rows} == {T0}

    payload = json.loads(next(d.payload_json for d in rows if d.event_kind == "escalated"))
    assert payload["event"] == "escalated" and payload["occurred_at"] == T0.isoformat()
    assert payload["data"] == {"to": "leads"}
    assert payload["ticket"]["reference"] in {t.reference for t in made}
    assert payload["ticket"]["department"] == "delivery"
    assert payload["ticket"]["url"] == f"http://portal.test/tickets/{payload['ticket']['reference']}"
    assert "escalated to leads" in payload["text"]

    # the sweep is idempotent, so is its outbox
    assert sla_jobs.sweep(T0, MANAGERS_AFTER) == sla_jobs.SweepResult(0, 0, 0)
    assert len(deliveries()) == len(rows)
    # hours later the managers' escalation is a new event: one more delivery per ticket, to `chat` only
    later = sla_jobs.sweep(T0 + 3 * HOURS, MANAGERS_AFTER)
    assert later.escalated == 2
    new = deliveries()[len(rows):]
    assert sorted((d.endpoint_id, d.event_kind) for d in new) == [(chat.id, "escalated")] * 2
    assert {json.loads(d.payload_json)["data"]["to"] for d in new} == {"managers"}


def test_a_sweep_with_no_endpoints_enqueues_nothing(app, demo):
    factories.ticket(T0 - 5 * HOURS)
    assert sla_jobs.sweep(T0, MANAGERS_AFTER).breached == 1
    assert deliveries() == []


def test_delivery_posts_signed_json_once(app, demo, hooks):
    endpoint = webhooks.add_endpoint(hooks.url, "sla_at_risk,sla_breached,escalated", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    queued = deliveries()
    assert len(queued) == 3

    result = webhook_delivery.deliver_due(T0)
    assert result == webhook_delivery.DeliveryPass(delivered=3, retrying=0, failed=0)
    assert sorted(hooks.ids()) == [d.id for d in queued]
    by_id = {d.id: d for d in queued}
    for received in hooks.received:
        delivery = by_id[int(received.headers["x-portal-delivery"])]
        assert received.path == "/hooks/support"
        assert received.headers["content-type"] == "application/json"
        assert received.headers["x-portal-event"] == delivery.event_kind
        assert received.body == delivery.payload_json.encode("utf-8")
        assert signed_ok(received, endpoint.secret)
        assert not signed_ok(received, "another-secret-0123456789")
        assert json.loads(received.body)["event"] == delivery.event_kind
    for row in deliveries():
        assert (row.status, row.attempts, row.last_status_code, row.delivered_at) == ("delivered", 1, 200, T0)

    # nothing is sent twice: not at the same instant, not later
    assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(0, 0, 0)
    assert webhook_delivery.deliver_due(T0 + 24 * HOURS) == webhook_delivery.DeliveryPass(0, 0, 0)
    assert len(hooks.received) == 3


def test_failing_endpoint_is_retried_with_growing_backoff_then_failed(app, demo, hooks):
    hooks.fail_first = 1000
    webhooks.add_endpoint(hooks.url, "sla_breached", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    [delivery] = deliveries()

    now, waits = T0, []
    for attempt in range(1, webhook_delivery.MAX_ATTEMPTS + 1):
        result = webhook_delivery.deliver_due(now)
        [row] = deliveries()
        assert row.attempts == attempt and row.last_status_code == 500
        assert len(hooks.received) == attempt
        if attempt == webhook_delivery.MAX_ATTEMPTS:
            assert result == webhook_delivery.DeliveryPass(0, 0, 1)
            assert row.status == "failed"
            break
        assert result == webhook_delivery.DeliveryPass(0, 1, 0)
        assert row.status == "pending"
        waits.append(row.next_attempt_at - now)
        # a pass at the same instant, or just before the retry is due, sends nothing
        assert webhook_delivery.deliver_due(now) == webhook_delivery.DeliveryPass(0, 0, 0)
        just_before = row.next_attempt_at - dt.timedelta(seconds=1)
        assert webhook_delivery.deliver_due(just_before) == webhook_delivery.DeliveryPass(0, 0, 0)
        assert len(hooks.received) == attempt
        now = row.next_attempt_at

    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert webhook_delivery.deliver_due(now + 48 * HOURS) == webhook_delivery.DeliveryPass(0, 0, 0)
    assert set(hooks.ids()) == {delivery.id}  # every retry carries the same delivery id
    assert len(hooks.received) == webhook_delivery.MAX_ATTEMPTS


def test_endpoint_that_recovers_gets_the_delivery_and_retry_now_resends_a_failed_one(app, demo, hooks):
    hooks.fail_first = 2
    webhooks.add_endpoint(hooks.url, "sla_breached", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    assert webhook_delivery.deliver_due(T0).retrying == 1
    assert webhook_delivery.deliver_due(T0 + dt.timedelta(minutes=1)).retrying == 1
    assert webhook_delivery.deliver_due(T0 + dt.timedelta(minutes=3)).delivered == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)

    row.status = "failed"  # as if it had run out of attempts
    db.session.commit()
    later = T0 + 5 * HOURS
    webhooks.retry_delivery(row.id, now=later)
    [row] = deliveries()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, later)
    assert webhook_delivery.deliver_due(later).delivered == 1
    assert len(hooks.received) == 4


def test_unreachable_endpoint_records_a_short_reason_and_retries(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    webhooks.add_endpoint(f"http://127.0.0.1:{port}/nobody", "sla_breached", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(0, 1, 0)
    [row] = deliveries()
    # no errno text, no port: the log must not tell which internal ports answer
    assert (row.status, row.last_status_code, row.last_error) == ("pending", None, "could not connect")


def test_two_concurrent_passes_never_send_the_same_delivery_twice(app, demo, hooks):
    hooks.delay = 0.01
    webhooks.add_endpoint(hooks.url, "sla_at_risk,sla_breached,escalated", SECRET, now=T0)
    webhooks.add_endpoint(hooks.url + "/second", "sla_breached", SECRET, now=T0)
    for i in range(15):
        factories.ticket(T0 - 5 * HOURS + i * dt.timedelta(minutes=1))
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    queued = [d.id for d in deliveries()]
    assert len(queued) == 15 * 4
    db.session.commit()  # on SQLite an open transaction here would hold the write lock the passes need

    start, totals, errors = threading.Barrier(2), [0, 0], []

    def worker(slot: int) -> None:
        try:
            with app.app_context():
                try:
                    start.wait(timeout=10)
                    while True:
                        result = webhook_delivery.deliver_due(T0, limit=4)
                        if result == webhook_delivery.DeliveryPass(0, 0, 0):
                            break
                        totals[slot] += result.delivered
                finally:
                    db.session.remove()
        except Exception as exc:  # surfaced below: an assertion in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sent = hooks.ids()
    assert sorted(sent) == sorted(queued), Counter(sent).most_common(3)
    assert sum(totals) == len(queued) and min(totals) > 0, totals
    assert {d.status for d in deliveries()} == {"delivered"}


def test_a_pass_does_not_send_what_another_transaction_holds(app, demo, hooks):
    """PostgreSQL: a delivery row locked by another pass is skipped, not waited for. SQLite locks the
    whole database instead: a pass waits for the other writer, then claims only what is still due."""
    webhooks.add_endpoint(hooks.url, "sla_at_risk,sla_breached", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    locked, free = [d.id for d in deliveries()]
    db.session.commit()
    postgresql = db.engine.dialect.name == "postgresql"
    done: list[webhook_delivery.DeliveryPass] = []

    def run() -> None:
        with app.app_context():
            try:
                done.append(webhook_delivery.deliver_due(T0))
            finally:
                db.session.remove()

    with db.engine.connect() as other:
        with other.begin():  # on SQLite this BEGIN IMMEDIATE takes the write lock
            if postgresql:
                other.execute(text("SELECT id FROM webhook_deliveries WHERE id = :id FOR UPDATE"), {"id": locked})
            thread = threading.Thread(target=run)
            thread.start()
            thread.join(timeout=20 if postgresql else 0.5)
            if postgresql:
                assert done == [webhook_delivery.DeliveryPass(1, 0, 0)], "the pass waited for a locked delivery"
                assert hooks.ids() == [free]
            else:
                assert thread.is_alive() and not done and not hooks.received
        thread.join(timeout=20)
    if postgresql:
        assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(1, 0, 0)
    else:
        assert done == [webhook_delivery.DeliveryPass(2, 0, 0)]
    assert sorted(hooks.ids()) == [locked, free]
    assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(0, 0, 0)


def test_cli_adds_lists_and_delivers(app, demo, runner, hooks):
    bad = runner.invoke(args=["webhooks", "add", "--url", "ftp://x", "--events", "sla_breached"])
    assert bad.exit_code != 0 and "http:// or https://" in bad.output
    added = runner.invoke(args=["webhooks", "add", "--url", hooks.url, "--events", "sla_breached,escalated",
                                "--secret", SECRET])
    assert added.exit_code == 0, added.output
    assert f"secret: {SECRET}" in added.output
    listed = runner.invoke(args=["webhooks", "list"])
    assert hooks.url in listed.output and "sla_breached,escalated" in listed.output
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)
    delivered = runner.invoke(args=["webhooks", "deliver", "--now", T0.isoformat()])
    assert delivered.exit_code == 0, delivered.output
    assert delivered.output.strip().splitlines()[-1] == "delivered=2 retrying=0 failed=0 refused=0"
    assert all(signed_ok(r, SECRET) for r in hooks.received) and len(hooks.received) == 2


def test_scheduler_runs_a_delivery_pass_every_30_seconds(app, demo, hooks):
    from apscheduler.triggers.interval import IntervalTrigger

    from portal import scheduler as portal_scheduler

    job = portal_scheduler.build_scheduler(app).get_job("webhooks")
    assert job.func is portal_scheduler.webhooks_job and job.args == (app,)
    assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval == dt.timedelta(seconds=30)
    webhooks.add_endpoint(hooks.url, "sla_breached", SECRET, now=T0)
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)  # T0 is in the past: the delivery is due at the job's real clock
    portal_scheduler.webhooks_job(app)
    assert len(hooks.received) == 1 and [d.status for d in deliveries()] == ["delivered"]
