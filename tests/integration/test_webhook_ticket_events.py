"""Ticket events as webhooks, so a seller platform can mirror ticket state: created, public replies
(never internal notes) and resolved, enqueued in the change's own transaction and posted signed."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.services import history, sellers, staff_actions, tickets, webhook_delivery, webhooks
from portal.services.errors import Conflict
from portal.services.links import link_token
from portal.services.runtime import runtime
from tests import factories
from tests.webhook_receiver import SECRET, T0, deliveries, signed_ok

MIN = dt.timedelta(minutes=1)
TICKET_EVENTS = "ticket_created,ticket_replied,ticket_resolved"


def agent() -> User:
    return db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))


def payloads(kind: str | None = None) -> list[dict]:
    return [json.loads(d.payload_json) for d in deliveries() if kind is None or d.event_kind == kind]


def test_a_ticket_life_is_announced_created_replied_resolved(app, demo, hooks):
    endpoint = webhooks.add_endpoint(hooks.url, TICKET_EVENTS, SECRET, now=T0)
    ticket = factories.ticket(T0)
    staff_actions.reply(ticket, agent(), "Ghi chú nội bộ: gọi bưu cục", True, now=T0 + MIN)  # internal: silent
    staff_actions.reply(ticket, agent(), "Chào anh, bưu tá sẽ lấy hàng chiều nay.", False, now=T0 + 2 * MIN)
    tickets.seller_reply(ticket, "Cảm ơn, tôi chờ nhé", (), now=T0 + 3 * MIN, rt=runtime())
    staff_actions.change_status(ticket, agent(), "resolved", now=T0 + 4 * MIN, reason="carrier_delay")

    kinds = [d.event_kind for d in deliveries()]
    assert kinds == ["ticket_created", "ticket_replied", "ticket_replied", "ticket_resolved"]
    created, staff_reply, seller_reply, resolved = payloads()
    assert created["ticket"]["reference"] == ticket.reference
    assert created["ticket"]["seller_code"] == "DEMO-001" and created["ticket"]["department"] == "delivery"
    assert created["ticket"]["status"] == "new" and created["occurred_at"] == T0.isoformat()
    assert created["ticket"]["first_response_due_at"] == ticket.first_response_due_at.isoformat()
    assert staff_reply["message"] == {"author": "staff", "body": "Chào anh, bưu tá sẽ lấy hàng chiều nay.",
                                      "created_at": (T0 + 2 * MIN).isoformat()}
    assert staff_reply["ticket"]["first_responded_at"] == (T0 + 2 * MIN).isoformat()
    assert seller_reply["message"]["author"] == "seller" and seller_reply["message"]["body"] == "Cảm ơn, tôi chờ nhé"
    assert "Ghi chú nội bộ" not in json.dumps(payloads(), ensure_ascii=False)
    assert resolved["ticket"]["status"] == "resolved"
    assert resolved["ticket"]["resolved_at"] == (T0 + 4 * MIN).isoformat()
    assert resolved["ticket"]["resolution_reason"] == "carrier_delay"  # why, as a code the reports use too
    assert created["ticket"]["resolution_reason"] is None

    result = webhook_delivery.deliver_due(T0 + 5 * MIN)
    assert result.delivered == 4 and len(hooks.received) == 4
    assert [r.headers["x-portal-event"] for r in hooks.received] == kinds
    assert all(signed_ok(r, SECRET) for r in hooks.received) and endpoint.active


@pytest.mark.usefixtures("dns")
def test_only_subscribed_events_and_active_endpoints_get_deliveries(app, demo):
    only_resolved = webhooks.add_endpoint("https://shop.example.com/resolved", "ticket_resolved", None, now=T0)
    sla_only = webhooks.add_endpoint("https://chat.example.com/sla", "sla_breached", None, now=T0)
    ticket = factories.ticket(T0)
    assert deliveries() == []
    staff_actions.change_status(ticket, agent(), "resolved", now=T0 + MIN)
    assert [(d.endpoint_id, d.event_kind) for d in deliveries()] == [(only_resolved.id, "ticket_resolved")]
    webhooks.deactivate_endpoint(only_resolved.id, now=T0 + 2 * MIN)
    factories.ticket(T0 + 3 * MIN)
    staff_actions.change_status(factories.ticket(T0 + 3 * MIN), agent(), "resolved", now=T0 + 4 * MIN)
    assert len(deliveries()) == 1 and sla_only.active  # a deactivated endpoint is forgotten at once


@pytest.mark.usefixtures("dns")
def test_a_change_rolled_back_announces_nothing(app, demo):
    webhooks.add_endpoint("https://shop.example.com/all", TICKET_EVENTS, None, now=T0)
    ticket = factories.ticket(T0)
    assert [d.event_kind for d in deliveries()] == ["ticket_created"]
    history.record(ticket, "replied", T0 + MIN, actor_label="seller DEMO-001", by="seller")
    db.session.rollback()  # e.g. an upload failed after the reply was recorded
    staff_actions.change_status(ticket, agent(), "closed", now=T0 + 2 * MIN)  # commits; not an announced event
    with pytest.raises(Conflict, match="closed"):
        tickets.seller_reply(ticket, "còn đó không?", (), now=T0 + 3 * MIN, rt=runtime())
    assert [d.event_kind for d in deliveries()] == ["ticket_created"]


@pytest.mark.usefixtures("dns")
def test_a_seller_app_mirror_through_the_api(app, demo, client):
    webhooks.add_endpoint("https://shop.example.com/mirror", "ticket_created", None, now=T0)
    token = link_token(sellers.by_code("DEMO-002"), runtime().secret_key)
    response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"},
                           json={"category": "finance", "tracking_numbers": [], "description": "Chưa nhận COD"})
    again = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"},
                        json={"category": "finance", "tracking_numbers": [], "description": "Chưa nhận COD"})
    assert response.status_code == 201 and again.status_code in (200, 201)
    created = payloads("ticket_created")
    assert len(created) == 1 and created[0]["ticket"]["reference"] == response.get_json()["reference"]
    assert created[0]["ticket"]["seller_code"] == "DEMO-002" and created[0]["ticket"]["department"] == "finance"
