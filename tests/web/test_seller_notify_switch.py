"""The seller's notification settings on the link page: the switch (a form with CSRF; off, nothing
is written and what waited is dropped), the Web Push block shown only when VAPID keys are set, the
subscription routes and the service worker under the link."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import PushSubscription, SellerNotification, User
from portal.services import sellers, webpush
from tests import factories
from tests.clients import csrf_from

P256DH = "B" + "A" * 86  # the length of a real key; the browser's keys are checked by form only here
AUTH = "c2VjcmV0LWF1dGgta2V5"


@pytest.fixture
def vapid(app, demo, monkeypatch):
    private, public = webpush.new_vapid_keys()
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PRIVATE_KEY", private)
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PUBLIC_KEY", public)
    return public


def notify_enabled() -> bool:
    db.session.expire_all()
    return sellers.by_code(factories.SELLER).notify_enabled


def test_the_switch_turns_notifications_off_and_on(app, demo, seller, client, monkeypatch):
    monkeypatch.setitem(app.config, "SELLER_NOTIFY_URL", "https://gateway.example.com/sms")
    path = seller.link_path()
    html = client.get(path).get_data(as_text=True)
    assert "Turn notifications off" in html and 'id="notify"' in html
    # a notification waiting to be sent is dropped when the seller says no
    ticket = factories.ticket(dt.datetime.now(dt.UTC))
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    factories.message(ticket, "Đã kiểm tra", now=dt.datetime.now(dt.UTC), by=agent)
    assert db.session.scalar(select(SellerNotification.status)) == "pending"

    response = client.post(f"{path}/notifications", data={"csrf_token": csrf_from(html), "enabled": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{path}#notify")
    assert notify_enabled() is False
    assert db.session.scalars(select(SellerNotification)).all() == []
    html = client.get(path).get_data(as_text=True)
    assert "Turn notifications on" in html and "Notifications are off" in html

    client.post(f"{path}/notifications", data={"csrf_token": csrf_from(html), "enabled": "1"})
    assert notify_enabled() is True


def test_the_switch_needs_its_csrf_token_and_a_known_value(app, demo, seller, client):
    path = seller.link_path()
    assert client.post(f"{path}/notifications", data={"enabled": "0"}).status_code == 400
    html = client.get(path).get_data(as_text=True)
    assert client.post(f"{path}/notifications", data={"csrf_token": csrf_from(html), "enabled": "x"}).status_code == 400
    assert notify_enabled() is True


def test_the_push_button_is_there_only_with_vapid_keys(app, demo, seller, client, monkeypatch):
    html = client.get(seller.link_path()).get_data(as_text=True)
    assert "data-push" not in html and "seller-notify.js" not in html
    _private, public = webpush.new_vapid_keys()
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PRIVATE_KEY", _private)
    monkeypatch.setitem(app.config, "WEBPUSH_VAPID_PUBLIC_KEY", public)
    html = client.get(seller.link_path()).get_data(as_text=True)
    assert f'data-key="{public}"' in html and "Notify me on this phone" in html
    assert "seller-notify.js" in html


def test_vietnamese_page_speaks_vietnamese(app, demo, seller):
    from tests.clients import seller_browser
    html = seller_browser(app).client.get(seller.link_path()).get_data(as_text=True)
    assert "Tắt thông báo" in html


def subscribe(client, path: str, body, csrf: str | None):
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(f"{path}/push/subscribe", data=json.dumps(body), content_type="application/json",
                       headers=headers)


def test_a_browser_subscribes_and_unsubscribes(app, demo, seller, client, vapid):
    path = seller.link_path()
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    subscription = {"endpoint": "https://push.example.net/send/abc", "expirationTime": None,
                    "keys": {"p256dh": P256DH, "auth": AUTH}}
    assert subscribe(client, path, subscription, None).status_code == 400  # no CSRF token
    response = subscribe(client, path, subscription, csrf)
    assert response.status_code == 201 and response.get_json() == {"subscribed": True}
    assert subscribe(client, path, subscription, csrf).status_code == 201  # again: still one
    [row] = db.session.scalars(select(PushSubscription)).all()
    assert (row.endpoint, row.p256dh, row.auth, row.seller_id) == (
        subscription["endpoint"], P256DH, AUTH, sellers.by_code(factories.SELLER).id)

    bad = subscribe(client, path, {**subscription, "keys": {"p256dh": "x", "auth": AUTH}}, csrf)
    assert bad.status_code == 422 and "subscription" in bad.get_json()["error"]
    assert subscribe(client, path, {**subscription, "endpoint": "ftp://x"}, csrf).status_code == 422
    assert client.post(f"{path}/push/subscribe", data="not json", content_type="application/json",
                       headers={"X-CSRFToken": csrf}).status_code == 400

    gone = client.post(f"{path}/push/unsubscribe", data=json.dumps({"endpoint": subscription["endpoint"]}),
                       content_type="application/json", headers={"X-CSRFToken": csrf})
    assert gone.status_code == 200 and db.session.scalars(select(PushSubscription)).all() == []
    again = client.post(f"{path}/push/unsubscribe", data=json.dumps({"endpoint": subscription["endpoint"]}),
                        content_type="application/json", headers={"X-CSRFToken": csrf})
    assert again.status_code == 404


def test_subscribing_without_vapid_keys_is_not_found(app, demo, seller, client):
    path = seller.link_path()
    csrf = csrf_from(client.get(path).get_data(as_text=True))
    body = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": P256DH, "auth": AUTH}}
    assert subscribe(client, path, body, csrf).status_code == 404


def test_the_service_worker_is_served_under_the_link(app, demo, seller, client):
    response = client.get(f"{seller.link_path()}/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert "showNotification" in script and "openWindow" in script
    # the registration's scope is the link page itself, one level above the script
    assert response.headers["Service-Worker-Allowed"] == seller.link_path()
    html = client.get(seller.link_path()).get_data(as_text=True)
    assert "data-scope" not in html  # no push block without VAPID keys


def test_the_push_block_names_the_worker_and_its_scope(app, demo, seller, client, vapid):
    path = seller.link_path()
    html = client.get(path).get_data(as_text=True)
    assert f'data-worker="{path}/sw.js"' in html and f'data-scope="{path}"' in html
    assert client.get("/s/not-a-token/sw.js").status_code == 404
