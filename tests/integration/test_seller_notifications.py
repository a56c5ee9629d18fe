"""Seller notifications through the SMS/Zalo gateway, against a real HTTP receiver on 127.0.0.1 and
the suite's real database: written with the staff change that calls for them (and only then), merged
while unsent, signed, retried with backoff under one idempotency key, dead after the last try, sent
again from /admin, refused for a destination the outbound guard refuses."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import SellerNotification, User
from portal.services import bulk, seller_notify, seller_notify_delivery, sellers, staff_actions
from portal.services.errors import Conflict
from tests import factories
from tests.clients import csrf_from
from tests.webhook_receiver import SECRET, T0, HookServer, signed_ok

AGENT = "agent1.delivery@demo.test"
ADMIN = "admin@demo.test"
MINUTE = dt.timedelta(minutes=1)


def outbox() -> list[SellerNotification]:
    db.session.expire_all()
    return list(db.session.scalars(select(SellerNotification).order_by(SellerNotification.id)))


def agent() -> User:
    return db.session.scalar(select(User).where(User.email == AGENT))


@pytest.fixture
def gateway(app, demo, hooks, monkeypatch):
    """SELLER_NOTIFY_URL pointing at the test receiver (on loopback: `hooks` allows private addresses)."""
    monkeypatch.setitem(app.config, "SELLER_NOTIFY_URL", hooks.url)
    monkeypatch.setitem(app.config, "SELLER_NOTIFY_SECRET", SECRET)
    return hooks


def body_of(received) -> dict:
    return json.loads(received.body)


def test_a_public_reply_writes_one_notification_and_an_internal_note_none(app, demo, gateway):
    ticket = factories.ticket(T0)
    factories.message(ticket, "Chúng tôi đang kiểm tra.", now=T0 + MINUTE, by=agent(), internal=True)
    assert outbox() == []
    factories.message(ticket, "Đơn đã được lấy hôm nay.", now=T0 + 2 * MINUTE, by=agent())
    [row] = outbox()
    assert (row.channel, row.event, row.status, row.attempts, row.next_attempt_at) == (
        "gateway", "staff_replied", "pending", 0, T0 + 2 * MINUTE)
    body = json.loads(row.payload_json)
    seller = sellers.by_code(factories.SELLER)
    assert body["event"] == "staff_replied" and body["reference"] == ticket.reference
    assert (body["seller_code"], body["phone"], body["locale"]) == (seller.code, seller.phone, "vi")
    assert body["url"].startswith("http://portal.test/s/") and body["url"].endswith(f"/tickets/{ticket.reference}")
    assert ticket.reference in body["text"] and body["text"].endswith(body["url"])
    # the link opens the seller's ticket page
    path = body["url"].removeprefix("http://portal.test")
    assert app.test_client().get(path).status_code == 200


def test_a_seller_reply_and_a_seller_resolution_send_nothing(app, demo, gateway):
    from portal.services import tickets
    ticket = factories.ticket(T0, tracking=("NVDEMO00001",))  # a parcel the demo knows
    factories.message(ticket, "Còn chưa thấy shipper", now=T0 + MINUTE)
    tickets.self_resolve(ticket, now=T0 + 2 * MINUTE)
    assert outbox() == []


def test_a_reply_that_resolves_sends_one_named_ticket_resolved(app, demo, gateway):
    ticket = factories.ticket(T0)
    staff_actions.reply(ticket, agent(), "Đã giao lại thành công.", False, now=T0 + MINUTE, status="resolved")
    [row] = outbox()
    assert row.event == "ticket_resolved" and json.loads(row.payload_json)["event"] == "ticket_resolved"
    assert ticket.status == "resolved"


def test_a_reply_asking_the_seller_sends_waiting_on_seller(app, demo, gateway):
    ticket = factories.ticket(T0)
    staff_actions.reply(ticket, agent(), "Bạn gửi giúp ảnh vận đơn?", False, now=T0 + MINUTE,
                        status="waiting_on_seller")
    assert [r.event for r in outbox()] == ["waiting_on_seller"]


def test_a_burst_of_replies_before_delivery_sends_one_message_saying_the_latest(app, demo, gateway):
    ticket = factories.ticket(T0)
    for minute, text in enumerate(("Một", "Hai", "Ba"), start=1):
        factories.message(ticket, text, now=T0 + minute * MINUTE, by=agent())
    staff_actions.change_status(ticket, agent(), "waiting_on_seller", now=T0 + 4 * MINUTE)
    [row] = outbox()
    assert row.event == "waiting_on_seller" and row.next_attempt_at == T0 + 4 * MINUTE
    assert seller_notify_delivery.deliver_due(T0 + 4 * MINUTE).delivered == 1
    [received] = gateway.received
    assert body_of(received)["event"] == "waiting_on_seller"
    # once taken, a message is never rewritten: the next reply is a message of its own
    factories.message(ticket, "Bốn", now=T0 + 5 * MINUTE, by=agent())
    assert [(r.event, r.status) for r in outbox()] == [("waiting_on_seller", "delivered"),
                                                       ("staff_replied", "pending")]


def test_a_change_that_rolls_back_sends_nothing(app, demo, gateway):
    ticket = factories.ticket(T0, status="resolved")
    with pytest.raises(Conflict):  # a resolved ticket cannot wait on the seller: nothing is written
        staff_actions.reply(ticket, agent(), "Thêm thông tin", False, now=T0 + MINUTE, status="waiting_on_seller")
    db.session.rollback()
    # a change made, then rolled back instead of committed
    ticket = factories.ticket(T0)
    staff_actions._move(ticket, agent(), "resolved", T0 + MINUTE)
    db.session.flush()
    db.session.rollback()
    db.session.commit()  # a later commit of nothing writes nothing either
    assert outbox() == []


def test_bulk_status_changes_send_one_per_ticket(app, demo, gateway):
    made = [factories.ticket(T0), factories.ticket(T0, submission_key="second")]
    made.append(factories.ticket(T0, submission_key="third"))
    result = bulk.apply(agent(), [t.reference for t in made], "status", "resolved", "", now=T0 + MINUTE,
                        resolution_reason="carrier_delay")
    assert len(result.done) == 3
    assert sorted(r.ticket_id for r in outbox()) == sorted(t.id for t in made)
    assert {r.event for r in outbox()} == {"ticket_resolved"}


def test_a_seller_who_turned_notifications_off_gets_nothing(app, demo, gateway):
    seller = sellers.by_code(factories.SELLER)
    seller_notify.set_enabled(seller, False, now=T0)
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đã kiểm tra", now=T0 + MINUTE, by=agent())
    assert outbox() == []
    seller_notify.set_enabled(sellers.by_code(factories.SELLER), True, now=T0 + 2 * MINUTE)
    factories.message(ticket, "Đã giao", now=T0 + 3 * MINUTE, by=agent())
    assert len(outbox()) == 1


def test_without_a_gateway_nothing_is_written(app, demo):
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đã kiểm tra", now=T0 + MINUTE, by=agent())
    assert outbox() == []


def test_delivery_posts_signed_json_with_its_idempotency_key(app, demo, gateway, runner):
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đã giao lại.", now=T0, by=agent())
    [row] = outbox()
    line = runner.invoke(args=["notifications", "deliver", "--now", T0.isoformat()]).output.strip().splitlines()[-1]
    assert line == "delivered=1 retrying=0 dead=0 refused=0 gone=0"
    [received] = gateway.received
    assert received.headers["content-type"] == "application/json"
    assert received.headers["x-portal-delivery"] == row.idempotency_key
    assert received.body == row.payload_json.encode("utf-8")
    assert signed_ok(received, SECRET) and not signed_ok(received, "another-secret-0123456789")
    assert set(body_of(received)) == {"event", "reference", "seller_code", "phone", "locale", "url", "text"}
    [row] = outbox()
    assert (row.status, row.attempts, row.last_status_code, row.delivered_at) == ("delivered", 1, 200, T0)
    # nothing is sent twice
    assert seller_notify_delivery.deliver_due(T0 + dt.timedelta(days=1)) == seller_notify_delivery.NotifyPass()
    assert len(gateway.received) == 1


def test_a_failing_gateway_is_retried_with_growing_backoff_under_one_key_then_dead(app, demo, gateway):
    gateway.fail_first = 1000
    factories.message(factories.ticket(T0), "Đã giao lại.", now=T0, by=agent())
    now, waits = T0, []
    for attempt in range(1, seller_notify_delivery.MAX_ATTEMPTS + 1):
        result = seller_notify_delivery.deliver_due(now)
        [row] = outbox()
        assert row.attempts == attempt and row.last_status_code == 500 and row.last_error == "HTTP 500"
        if attempt == seller_notify_delivery.MAX_ATTEMPTS:
            assert result == seller_notify_delivery.NotifyPass(dead=1) and row.status == "dead"
            break
        assert result == seller_notify_delivery.NotifyPass(retrying=1) and row.status == "pending"
        waits.append(row.next_attempt_at - now)
        assert seller_notify_delivery.deliver_due(row.next_attempt_at - dt.timedelta(seconds=1)).retrying == 0
        now = row.next_attempt_at
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert len(gateway.received) == seller_notify_delivery.MAX_ATTEMPTS
    assert {r.headers["x-portal-delivery"] for r in gateway.received} == {row.idempotency_key}
    assert len({r.headers["x-portal-signature"] for r in gateway.received}) == 1
    assert seller_notify_delivery.deliver_due(now + dt.timedelta(days=2)) == seller_notify_delivery.NotifyPass()


def test_a_dead_notification_is_listed_in_admin_and_sent_again(app, demo, gateway, client, auth):
    gateway.fail_first = 1  # the last try fails; the one sent again from /admin goes through
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đã giao lại.", now=T0, by=agent())
    [row] = outbox()
    row.attempts, row.next_attempt_at = seller_notify_delivery.MAX_ATTEMPTS - 1, T0
    db.session.commit()
    assert seller_notify_delivery.deliver_due(T0).dead == 1

    auth.login(ADMIN)
    page = client.get("/admin/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and ticket.reference in html and "HTTP 500" in html
    response = client.post(f"/admin/notifications/{row.id}/send-again", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    [row] = outbox()
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
    assert seller_notify_delivery.deliver_due(dt.datetime.now(dt.UTC)).delivered == 1
    assert outbox()[0].status == "delivered"
    assert {r.headers["x-portal-delivery"] for r in gateway.received} == {row.idempotency_key}
    from portal.models import AuditEvent
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "seller_notification.sent_again"))
    # without a CSRF token nothing happens
    assert client.post(f"/admin/notifications/{row.id}/send-again").status_code == 400


def test_admin_pages_refuse_agents(app, demo, client, auth):
    auth.login(AGENT)
    assert client.get("/admin/notifications").status_code == 403


def test_a_refused_destination_is_recorded_refused_and_not_retried(app, demo, monkeypatch, runner):
    with HookServer() as loopback:  # OUTBOUND_ALLOW_PRIVATE stays off
        monkeypatch.setitem(app.config, "SELLER_NOTIFY_URL", loopback.url)
        factories.message(factories.ticket(T0), "Đã giao lại.", now=T0, by=agent())
        assert seller_notify_delivery.deliver_due(T0) == seller_notify_delivery.NotifyPass(refused=1)
        [row] = outbox()
        assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
            "refused", 1, None, "address not allowed")
        assert seller_notify_delivery.deliver_due(T0 + dt.timedelta(days=2)) == seller_notify_delivery.NotifyPass()
        line = runner.invoke(args=["notifications", "deliver"]).output.strip().splitlines()[-1]
        assert line == "delivered=0 retrying=0 dead=0 refused=0 gone=0"
        assert loopback.received == [] and outbox()[0].attempts == 1


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("event", ["staff_replied", "waiting_on_seller", "ticket_resolved"])
def test_the_text_fits_one_sms_with_a_link_of_89_characters(app, event, locale):
    reference = "T-20261207-ZZZZZZ"
    sentence = seller_notify.sentence(event, reference, locale)
    assert reference in sentence and len(sentence) <= seller_notify.MESSAGE_MAX
    url = "https://support.example.com/s/" + "x" * (89 - len("https://support.example.com/s/"))
    message = seller_notify.Message(event, reference, locale, sentence, url)
    assert len(message.text) <= 160 and message.text.endswith(url)


def test_the_text_is_in_the_sellers_language(app):
    assert "answered" in seller_notify.sentence("staff_replied", "T-1", "en")
    assert "trả lời" in seller_notify.sentence("staff_replied", "T-1", "vi")


def test_an_erased_seller_keeps_no_notification_and_gets_none(app, demo, gateway, tmp_path):
    from portal.services import erasure
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đã giao lại.", now=T0, by=agent())
    assert len(outbox()) == 1
    erasure.forget_seller(factories.SELLER, now=T0 + MINUTE, upload_dir=str(tmp_path))
    assert outbox() == []
    staff_actions.change_status(db.session.get(type(ticket), ticket.id), agent(), "resolved", now=T0 + 2 * MINUTE)
    assert outbox() == []


def test_the_scheduler_delivers_every_15_seconds(app, demo, gateway):
    import threading

    from portal import scheduler as portal_scheduler

    built = portal_scheduler.build_scheduler(app, 60)
    thread = threading.Thread(target=built.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if built.running:
                break
            threading.Event().wait(0.01)
        job = built.get_job("seller-notifications")
        assert job.func is portal_scheduler.notifications_job and job.args == (app,)
        assert job.trigger.interval == dt.timedelta(seconds=15)  # a reply reaches the gateway within a minute
        assert job.coalesce is True and job.max_instances == 1
    finally:
        built.shutdown(wait=False)
        thread.join(timeout=10)

    # one run of the job, at the real time, sends what a reply just wrote
    factories.message(factories.ticket(dt.datetime.now(dt.UTC)), "Đã giao lại.", now=dt.datetime.now(dt.UTC),
                      by=agent())
    portal_scheduler.notifications_job(app)
    assert len(gateway.received) == 1 and outbox()[0].status == "delivered"


def test_the_admin_page_speaks_vietnamese_with_labels_not_codes(app, demo, gateway, client, auth):
    gateway.fail_first = 1
    factories.message(factories.ticket(T0), "Đã giao lại.", now=T0, by=agent())
    [row] = outbox()
    row.attempts = seller_notify_delivery.MAX_ATTEMPTS - 1
    db.session.commit()
    seller_notify_delivery.deliver_due(T0)
    auth.login(ADMIN)
    html = client.get("/admin/notifications?lang=vi").get_data(as_text=True)
    assert "<h1>Thông báo cho người bán chưa gửi được</h1>" in html
    assert "Cổng SMS/Zalo" in html and "Nhân viên đã trả lời" in html and "đã ngừng thử" in html
    for code in (">dead<", ">gateway<", ">staff_replied<"):
        assert code not in html
    assert 'href="/admin/notifications"' in client.get("/admin/").get_data(as_text=True)


def test_two_concurrent_passes_never_send_the_same_notification_twice(app, demo, gateway):
    import threading
    from collections import Counter

    gateway.delay = 0.01
    for i in range(12):
        factories.message(factories.ticket(T0, submission_key=f"k{i}"), "Đã giao lại.", now=T0, by=agent())
    queued = sorted(r.idempotency_key for r in outbox())
    assert len(queued) == 12
    db.session.commit()  # on SQLite an open transaction here would hold the write lock the passes need
    start, totals, errors = threading.Barrier(2), [0, 0], []

    def worker(slot: int) -> None:
        try:
            with app.app_context():
                try:
                    start.wait(timeout=10)
                    while (result := seller_notify_delivery.deliver_due(T0, limit=3)) != \
                            seller_notify_delivery.NotifyPass():
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
    sent = sorted(r.headers["x-portal-delivery"] for r in gateway.received)
    assert sent == queued, Counter(sent).most_common(3)
    assert sum(totals) == 12 and {r.status for r in outbox()} == {"delivered"}
