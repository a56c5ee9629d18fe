"""The webhooks admin page: who may see and change it, adding with validation, deactivating, retrying."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.services import webhook_delivery, webhooks

ADMIN, MANAGER = "admin@demo.test", "manager@demo.test"
PAGE = "/admin/webhooks"
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def endpoint(demo, dns):  # noqa: F811
    return webhooks.add_endpoint("https://chat.example.com/hooks/support", "sla_breached,escalated", None, now=T0)


def delivery(endpoint: WebhookEndpoint, status: str, **values) -> WebhookDelivery:
    row = WebhookDelivery(endpoint_id=endpoint.id, event_kind="sla_breached", payload_json='{"event":"sla_breached"}',
                          status=status, attempts=values.pop("attempts", webhook_delivery.MAX_ATTEMPTS),
                          next_attempt_at=T0, created_at=T0, **values)
    db.session.add(row)
    db.session.commit()
    return row


def count_endpoints() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def test_anonymous_is_sent_to_login(client, demo):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("email", ["agent1.delivery@demo.test", "lead.delivery@demo.test"])
def test_agents_and_leads_are_refused(client, auth, demo, email):
    auth.login(email)
    assert client.get(PAGE).status_code == 403
    assert auth.post(PAGE, "/inbox", url="https://x.example.com", events="sla_breached").status_code == 403


def test_admin_sees_endpoints_form_and_delivery_log(client, auth, endpoint):
    failed = delivery(endpoint, "failed", last_status_code=500)
    auth.login(ADMIN)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "https://chat.example.com/hooks/support" in html and "Breached, Escalated" in html
    assert "Add an endpoint" in html and endpoint.secret in html
    assert f'action="/admin/webhooks/deliveries/{failed.id}/retry"' in html and "Retry now" in html
    assert f'action="/admin/webhooks/{endpoint.id}/deactivate"' in html
    for kind in webhooks.EVENT_KINDS:
        assert f'value="{kind}"' in html


def test_manager_reads_but_cannot_change(client, auth, endpoint):
    failed = delivery(endpoint, "failed", last_status_code=500)
    auth.login(MANAGER)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "https://chat.example.com/hooks/support" in html and "500" in html
    assert "Add an endpoint" not in html and "Retry now" not in html and "Deactivate" not in html
    assert endpoint.secret not in html
    for path in (PAGE, f"{PAGE}/{endpoint.id}/deactivate", f"{PAGE}/deliveries/{failed.id}/retry"):
        assert auth.post(path, PAGE, url="https://x.example.com", events="sla_breached").status_code == 403
    db.session.expire_all()
    assert count_endpoints() == 1 and db.session.get(WebhookDelivery, failed.id).status == "failed"
    assert db.session.get(WebhookEndpoint, endpoint.id).active


@pytest.mark.usefixtures("dns")
def test_admin_adds_an_endpoint_with_a_generated_secret(client, auth, demo):
    auth.login(ADMIN)
    response = auth.post(PAGE, PAGE, url=" https://chat.example.com/new ", events=["escalated", "sla_at_risk"],
                         secret="")
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    added = db.session.scalar(select(WebhookEndpoint))
    assert (added.url, added.events, added.active) == ("https://chat.example.com/new", "sla_at_risk,escalated", True)
    assert re.fullmatch(r"[0-9a-f]{64}", added.secret)
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Endpoint {added.id} added" in html and "https://chat.example.com/new" in html


@pytest.mark.parametrize("fields, messages", [
    ({"url": "ftp://files.example.com/x", "events": "sla_breached"}, ["http:// or https://"]),
    ({"url": "not a url", "events": "sla_breached"}, ["http:// or https://"]),
    ({"url": "https://chat.example.com/x"}, ["Choose at least one event."]),
    ({"url": "", "events": "sla_breached"}, ["Enter the URL to post to."]),
    ({"url": "javascript:alert(1)"}, ["http:// or https://", "Choose at least one event."]),
    ({"url": "https://chat.example.com/x", "events": "sla_breached", "secret": "short"}, ["16 to 128 characters"]),
    ({"url": "https://chat.example.com/x", "events": "ticket_deleted"}, ["Unknown event: ticket_deleted"]),
])
@pytest.mark.usefixtures("dns")
def test_invalid_endpoint_shows_errors_and_saves_nothing(client, auth, demo, fields, messages):
    auth.login(ADMIN)
    response = auth.post(PAGE, PAGE, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in messages:
        assert message in html.replace("&#39;", "'")
    assert 'class="field has-error"' in html
    assert count_endpoints() == 0


def test_adding_without_csrf_token_is_refused(client, auth, demo):
    auth.login(ADMIN)
    response = client.post(PAGE, data={"url": "https://chat.example.com/x", "events": "sla_breached"})
    assert response.status_code == 400 and count_endpoints() == 0


def test_retry_button_makes_a_failed_delivery_due_now(client, auth, endpoint, now):
    failed = delivery(endpoint, "failed", last_status_code=500)
    sent = delivery(endpoint, "delivered", attempts=1, last_status_code=200)
    auth.login(ADMIN)
    response = auth.post(f"{PAGE}/deliveries/{failed.id}/retry", PAGE)
    assert response.status_code == 303
    db.session.expire_all()
    row = db.session.get(WebhookDelivery, failed.id)
    assert (row.status, row.attempts) == ("pending", 0)
    assert abs(row.next_attempt_at - now) < dt.timedelta(minutes=1)
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Delivery {failed.id} will be sent again" in html and "Retry now" not in html

    refused = auth.post(f"{PAGE}/deliveries/{sent.id}/retry", PAGE)
    assert refused.status_code == 409
    assert "only failed or refused deliveries can be retried" in refused.get_data(as_text=True)
    assert auth.post(f"{PAGE}/deliveries/999999/retry", PAGE).status_code == 404


def test_deactivating_stops_pending_deliveries(client, auth, endpoint):
    pending = delivery(endpoint, "pending", attempts=0)
    auth.login(ADMIN)
    assert auth.post(f"{PAGE}/{endpoint.id}/deactivate", PAGE).status_code == 303
    db.session.expire_all()
    assert not db.session.get(WebhookEndpoint, endpoint.id).active
    row = db.session.get(WebhookDelivery, pending.id)
    assert (row.status, row.last_error) == ("failed", "endpoint deactivated")
    html = client.get(PAGE).get_data(as_text=True)
    assert "inactive" in html and "Deactivate</button>" not in html
    # a delivery of a deactivated endpoint stays failed
    assert auth.post(f"{PAGE}/deliveries/{pending.id}/retry", PAGE).status_code == 409
