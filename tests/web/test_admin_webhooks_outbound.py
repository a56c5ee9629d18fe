"""The webhooks admin page and the outbound guard: a URL the guard refuses gets a message that says
which rule it breaks (in English and Vietnamese), and the delivery log shows refused deliveries
and short reasons in the reader's language, with a retry button for them."""
from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.services import webhooks

ADMIN = "admin@demo.test"
PAGE = "/admin/webhooks"
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def count_endpoints() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("url, lang, messages", [
    ("http://10.0.0.5/hooks", "en", ["10.0.0.5 is inside a private network.",
                                     "Only public Internet addresses are allowed, unless the operator sets "
                                     "OUTBOUND_ALLOW_PRIVATE=1."]),
    ("http://10.0.0.5/hooks", "vi", ["10.0.0.5 nằm trong một mạng nội bộ.", "OUTBOUND_ALLOW_PRIVATE=1"]),
    ("https://intranet.example.com/h", "en", ["intranet.example.com resolves to 192.168.10.4.",
                                              "192.168.10.4 is inside a private network."]),
    ("https://intranet.example.com/h", "vi", ["intranet.example.com trỏ tới địa chỉ 192.168.10.4."]),
    ("http://169.254.169.254/latest", "en", ["169.254.169.254 is a cloud metadata service."]),
    ("http://[::1]:8080/", "vi", ["::1 là địa chỉ loopback"]),
    ("http://2130706433/", "en", ["Write an IP address as four decimal numbers"]),
    ("https://bot:token@chat.example.com/h", "vi", ["Đừng đưa tên người dùng và mật khẩu vào URL"]),
    ("https://typo.example.org/h", "en", ["The host typo.example.org could not be found."]),
    ("https://typo.example.org/h", "vi", ["Không tìm thấy máy chủ typo.example.org."]),
])
def test_a_refused_url_is_explained_in_the_admins_language(client, auth, demo, dns, url, lang, messages):  # noqa: F811
    dns.names["intranet.example.com"] = "192.168.10.4"
    client.set_cookie("lang", lang)
    auth.login(ADMIN)
    response = auth.post(PAGE, PAGE, url=url, events="sla_breached")
    assert response.status_code == 422
    page = text_of(response)
    for message in messages:
        assert message in page
    assert 'class="field has-error"' in page and count_endpoints() == 0


@pytest.fixture
def refused(demo, dns):  # noqa: F811
    endpoint = webhooks.add_endpoint("https://chat.example.com/hooks", "sla_breached", None, now=T0)
    row = WebhookDelivery(endpoint_id=endpoint.id, event_kind="sla_breached", payload_json="{}", status="refused",
                          attempts=1, next_attempt_at=T0, created_at=T0, last_error="address not allowed")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("lang, status, reason", [("en", "refused", "address not allowed"),
                                                  ("vi", "bị từ chối", "địa chỉ không được phép")])
def test_the_log_shows_a_refused_delivery_and_its_short_reason(client, auth, refused, lang, status, reason):
    client.set_cookie("lang", lang)
    auth.login(ADMIN)
    page = text_of(client.get(PAGE))
    assert f'<td class="state-refused">{status}</td>' in page
    assert f'<td class="error">{reason}</td>' in page
    assert f'action="/admin/webhooks/deliveries/{refused.id}/retry"' in page
    assert "OUTBOUND_ALLOW_PRIVATE=1" in page  # the page says what is refused and who can change it


def test_a_refused_delivery_can_be_retried_from_the_log(client, auth, refused, now):
    auth.login(ADMIN)
    assert auth.post(f"{PAGE}/deliveries/{refused.id}/retry", PAGE).status_code == 303
    db.session.expire_all()
    row = db.session.get(WebhookDelivery, refused.id)
    assert (row.status, row.attempts) == ("pending", 0)
    assert abs(row.next_attempt_at - now) < dt.timedelta(minutes=1)
