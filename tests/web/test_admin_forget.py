"""The seller page's "Erase personal data" in /admin: admins only, and only once the seller's code
is typed to confirm; it does what `sellers forget` does."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Message, Ticket
from portal.services import sellers
from tests.clients import csrf_from


def forget(client, seller_id: int, code: str):
    page = client.get(f"/admin/sellers/{seller_id}")
    return client.post(f"/admin/sellers/{seller_id}/forget",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "confirm_code": code})


@pytest.fixture
def filed(demo, seller):
    """DEMO-001 with one ticket filed through their link."""
    assert seller.submit(seller.link_path("DEMO-001"), description="Tôi là chị Mai, gọi 0901234567").status_code == 303
    return sellers.by_code("DEMO-001")


def test_an_admin_erases_a_seller_after_typing_the_code(client, auth, filed):
    assert auth.login("admin@demo.test").status_code == 303
    page = client.get(f"/admin/sellers/{filed.id}").get_data(as_text=True)
    assert "Erase personal data" in page and 'name="confirm_code"' in page
    wrong = forget(client, filed.id, "DEMO-002")
    assert wrong.status_code == 422 and "Type DEMO-001 to confirm" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert sellers.by_code("DEMO-001").name == "Shop Hoa Mai"
    done = forget(client, filed.id, " DEMO-001 ")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/admin/sellers/{filed.id}?link=revoked")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "is erased: 1 ticket(s), 1 message(s), 0 file(s)" in page
    assert "Personal data erased on" in page and "(name erased)" in page
    db.session.expire_all()
    seller = sellers.by_code("DEMO-001")
    assert (seller.name, seller.phone) == ("", None)
    ticket = db.session.scalar(select(Ticket).where(Ticket.seller_id == seller.id))
    assert ticket.description == "" and ticket.contact_phone is None
    assert db.session.scalars(select(Message.body).where(Message.ticket_id == ticket.id)).all() == [""]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "seller.erased")).all()
    assert event.actor_label == "admin@demo.test"
    again = forget(client, filed.id, "DEMO-001")
    assert "Nothing was left to erase" in client.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("email", ["manager@demo.test", "agent1.delivery@demo.test"])
def test_managers_and_agents_cannot_erase(client, auth, filed, email):
    assert auth.login(email).status_code == 303
    page = client.get(f"/admin/sellers/{filed.id}")
    assert 'name="confirm_code"' not in page.get_data(as_text=True)
    refused = client.post(f"/admin/sellers/{filed.id}/forget",
                          data={"csrf_token": csrf_from(client.get("/inbox").get_data(as_text=True)),
                                "confirm_code": "DEMO-001"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert sellers.by_code("DEMO-001").name == "Shop Hoa Mai"
