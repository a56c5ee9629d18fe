"""The staff reply sets the status in the same step ("Send and wait for the seller", "Send and
resolve"): one transaction, so the seller is told once, of the weightier change."""
from __future__ import annotations

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
    response = auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                         body="Đơn đã giao lại.", status=status)
    assert response.status_code == 303
    assert reloaded(ticket).status == (status or "open")
    assert [n.event for n in db.session.scalars(select(SellerNotification))] == [event]


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
