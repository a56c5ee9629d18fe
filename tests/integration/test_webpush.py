"""Web Push for real: a push service on 127.0.0.1 (tests/push_receiver.py) checks the VAPID header
of each request and decrypts its body with the browser's keys, as a phone would; nothing of the
sending is replaced. A subscription the push service no longer knows (404, 410) is removed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import PushSubscription, SellerNotification, User
from portal.services import seller_notify, seller_notify_delivery, sellers, webpush
from tests import factories
from tests.push_receiver import Browser, PushService

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CONTACT = "mailto:ops@portal.test"


def outbox() -> list[SellerNotification]:
    db.session.expire_all()
    return list(db.session.scalars(select(SellerNotification).order_by(SellerNotification.id)))


def subscriptions() -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(select(PushSubscription).order_by(PushSubscription.id)))


def agent() -> User:
    return db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))


@pytest.fixture
def vapid(app, demo, monkeypatch):
    private, public = webpush.new_vapid_keys()
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PRIVATE_KEY", private)
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PUBLIC_KEY", public)
    monkeypatch.setitem(app.config, "WEBPUSH_CONTACT", CONTACT)
    return public


@pytest.fixture
def phone(app, monkeypatch, vapid):
    """A browser's push service on loopback (OUTBOUND_ALLOW_PRIVATE on), and the browser subscribed
    for the demo seller."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", True)
    browser = Browser()
    with PushService(browser) as service:
        seller_notify.subscribe(sellers.by_code(factories.SELLER), service.endpoint, browser.p256dh, browser.auth,
                                now=T0)
        yield service


def test_a_staff_reply_reaches_the_phone_encrypted_and_signed(app, demo, phone, vapid):
    ticket = factories.ticket(T0)
    factories.message(ticket, "Đơn đã giao lại thành công.", now=T0, by=agent())
    [row] = outbox()
    assert (row.channel, row.subscription_id, row.event) == ("webpush", subscriptions()[0].id, "staff_replied")

    assert seller_notify_delivery.deliver_due(T0) == seller_notify_delivery.NotifyPass(delivered=1)
    assert phone.rejected == []
    [push] = phone.pushes
    assert push.path == "/push/v2/abc123"
    assert push.vapid_key == vapid  # signed with the application server's key the browser subscribed with
    assert push.claims["aud"] == phone.origin and push.claims["sub"] == CONTACT
    assert push.headers["content-encoding"] == "aes128gcm" and int(push.headers["ttl"]) > 0
    assert set(push.payload) == {"title", "body", "url"}
    assert ticket.reference in push.payload["body"] and "trả lời" in push.payload["body"]  # the seller's language
    assert push.payload["url"].startswith("http://portal.test/s/")
    assert push.payload["url"].endswith(f"/tickets/{ticket.reference}")
    assert outbox()[0].status == "delivered"


def test_gateway_and_push_each_get_one_message_of_a_resolution(app, demo, phone, hooks, monkeypatch):
    monkeypatch.setitem(app.config, "SELLER_NOTIFY_URL", hooks.url)
    ticket = factories.ticket(T0)
    factories.message(ticket, "Một", now=T0, by=agent())
    from portal.services import staff_actions
    staff_actions.change_status(ticket, agent(), "resolved", now=T0)
    assert sorted((r.channel, r.event) for r in outbox()) == [("gateway", "ticket_resolved"),
                                                              ("webpush", "ticket_resolved")]
    assert seller_notify_delivery.deliver_due(T0).delivered == 2
    assert len(hooks.received) == 1 and len(phone.pushes) == 1


@pytest.mark.parametrize("answer", [404, 410])
def test_a_subscription_the_push_service_dropped_is_removed(app, demo, phone, answer):
    phone.answer = answer
    factories.message(factories.ticket(T0), "Đã giao.", now=T0, by=agent())
    assert seller_notify_delivery.deliver_due(T0) == seller_notify_delivery.NotifyPass(gone=1)
    assert len(phone.pushes) == 1
    assert subscriptions() == [] and outbox() == []
    # later replies write nothing for it, and nothing is sent
    factories.message(factories.ticket(T0, submission_key="2"), "Lần nữa", now=T0, by=agent())
    assert outbox() == []


def test_a_failing_push_service_is_retried(app, demo, phone):
    phone.answer = 503
    factories.message(factories.ticket(T0), "Đã giao.", now=T0, by=agent())
    assert seller_notify_delivery.deliver_due(T0) == seller_notify_delivery.NotifyPass(retrying=1)
    phone.answer = 201
    assert seller_notify_delivery.deliver_due(T0 + dt.timedelta(minutes=1)).delivered == 1
    assert len(phone.pushes) == 2 and subscriptions() != []


def test_a_push_service_on_a_refused_address_is_refused(app, demo, phone, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", False)
    factories.message(factories.ticket(T0), "Đã giao.", now=T0, by=agent())
    assert seller_notify_delivery.deliver_due(T0) == seller_notify_delivery.NotifyPass(refused=1)
    assert phone.pushes == [] and phone.rejected == []
    assert outbox()[0].status == "refused"


def test_without_vapid_keys_no_push_is_written(app, demo, phone, monkeypatch):
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PRIVATE_KEY", None)
    factories.message(factories.ticket(T0), "Đã giao.", now=T0, by=agent())
    assert outbox() == []


def test_a_subscription_moves_to_the_seller_who_subscribed_it_last(app, demo, phone):
    other = factories.seller("SHOP-2")
    [mine] = subscriptions()
    seller_notify.subscribe(other, mine.endpoint, mine.p256dh, mine.auth, now=T0)
    [moved] = subscriptions()
    assert moved.seller_id == other.id
    assert seller_notify.unsubscribe(sellers.by_code(factories.SELLER), moved.endpoint) is False
    assert seller_notify.unsubscribe(other, moved.endpoint) is True and subscriptions() == []
