"""The staff reply sets the status in the same step ("Send and wait for the seller", "Send and
resolve"): one transaction, so the seller is told once, of the weightier change."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, SellerNotification, Ticket
from tests import factories


@pytest.fixture
def gateway(app, demo, monkeypatch):  # after the demo data: its sample replies tell no one
    monkeypatch.setitem(app.config, "SELLER_NOTIFY_URL", "https://gateway.example.com/sms")


def reloaded(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def test_the_reply_form_offers_the_status_buttons(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert 'name="status" value="waiting_on_seller"' in html and 'name="status" value="resolved"' in html
    assert "Send and resolve" in html and "Send and wait for the seller" in html


@pytest.mark.usefixtures("gateway")
@pytest.mark.parametrize(("status", "event"), [("resolved", "ticket_resolved"),
                                               ("waiting_on_seller", "waiting_on_seller"), ("", "staff_replied")])
def test_send_and_set_the_status_tells_the_seller_once(client, demo, auth, now, status, event):
    ticket = factories.ticket(now)
    auth.login()
    reason = {"reason": "carrier_delay"} if status == "resolved" else {}  # resolving says why
    response = auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                         body="Đơn đã giao lại.", status=status, **reason)
    assert response.status_code == 303
    assert reloaded(ticket).status == (status or "open")
    [notification] = db.session.scalars(select(SellerNotification))
    assert notification.event == event
    # the staff page speaks English; the message speaks the seller's Vietnamese
    text = json.loads(notification.payload_json)["text"]
    assert ticket.reference in text and ("CSKH" in text or "Yêu cầu" in text)
    assert client.get(f"/tickets/{ticket.reference}").get_data(as_text=True).count("Send reply") == 1


@pytest.mark.usefixtures("gateway")
def test_a_status_the_ticket_cannot_take_saves_nothing(client, demo, auth, now):
    ticket = factories.ticket(now, status="closed")
    auth.login()
    response = auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                         body="Đơn đã giao lại.", status="resolved")
    assert response.status_code == 409
    response = auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                         body="Đơn đã giao lại.", status="flying")
    assert response.status_code == 422
    assert reloaded(ticket).status == "closed"
    assert db.session.scalars(select(Event).where(Event.kind == "replied")).all() == []
    assert db.session.scalars(select(SellerNotification)).all() == []


@pytest.mark.usefixtures("gateway")
def test_the_staff_api_tells_the_seller_too_and_not_of_a_note(client, demo, now):
    from portal.models import User
    from portal.services import api_tokens
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    token, _row = api_tokens.issue(agent, "integration", actor="test", now=now)
    headers = {"Authorization": f"Bearer {token}"}
    ticket = factories.ticket(now)
    base = f"/api/v1/staff/tickets/{ticket.reference}"
    note = client.post(f"{base}/replies", json={"body": "ghi chú", "internal": True}, headers=headers)
    assert note.status_code == 201
    assert db.session.scalars(select(SellerNotification)).all() == []
    assert client.post(f"{base}/replies", json={"body": "Đã giao lại."}, headers=headers).status_code == 201
    assert client.post(f"{base}/status", json={"status": "resolved", "reason": "carrier_delay"},
                       headers=headers).status_code == 200
    db.session.expire_all()
    assert [n.event for n in db.session.scalars(select(SellerNotification))] == ["ticket_resolved"]  # merged
