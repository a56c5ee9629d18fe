"""Canned replies are edited by admins, read by managers, refused to agents."""
from sqlalchemy import select

from portal.extensions import db
from portal.models import CannedReply
from tests import factories
from tests.clients import csrf_from


def test_admin_adds_and_switches_off_a_canned_reply_staff_then_see_it(client, demo, auth, now):
    auth.login("admin@demo.test")
    page = client.get("/admin/canned")
    assert page.status_code == 200 and "Đã nhận yêu cầu" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    bad = client.post("/admin/canned", data={"csrf_token": token, "department": "delivery", "title": "", "body": ""})
    assert bad.status_code == 422 and "Give the reply a title" in bad.get_data(as_text=True)
    dup = client.post("/admin/canned", data={"csrf_token": token, "department": "delivery",
                                             "title": "Đã nhận yêu cầu", "body": "x"})
    assert dup.status_code == 422 and "already has a reply" in dup.get_data(as_text=True)
    ok = client.post("/admin/canned", data={"csrf_token": token, "department": "delivery", "title": "Hẹn lấy lại",
                                            "body": "Chào {seller_name}, bưu tá sẽ lấy lại hàng cho {reference}."})
    assert ok.status_code == 303
    ticket = factories.ticket(now)
    auth.post("/logout", "/inbox")
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert f"Chào Shop Hoa Mai, bưu tá sẽ lấy lại hàng cho {ticket.reference}." in html
    reply = db.session.scalar(select(CannedReply).where(CannedReply.title == "Hẹn lấy lại"))
    auth.post("/logout", "/inbox")
    auth.login("admin@demo.test")
    assert auth.post(f"/admin/canned/{reply.id}/off", "/admin/canned").status_code == 303
    auth.post("/logout", "/inbox")
    auth.login()
    assert "bưu tá sẽ lấy lại" not in client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)


def test_managers_look_agents_are_refused(client, demo, auth):
    auth.login("manager@demo.test")
    assert client.get("/admin/canned").status_code == 200
    refused = auth.post("/admin/canned", "/admin/canned", department="delivery", title="x", body="y")
    assert refused.status_code == 403
    auth.post("/logout", "/inbox")
    auth.login()
    assert client.get("/admin/canned").status_code == 403
