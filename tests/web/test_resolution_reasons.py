"""Resolving asks why: the status form, "Send and resolve", the bulk bar and the staff API refuse a
resolution without a reason (422, nothing saved), store the one given and say it in the history;
the admin keeps the list (add, rename, switch off; audited), managers look; a reason switched off is
no longer offered and old tickets keep its label."""
import json

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Event, Message, ResolutionReason, Ticket, User
from portal.services import api_tokens, staff_actions
from portal.services import tickets as ticket_service
from tests import factories
from tests.clients import csrf_from


def reloaded(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def status_events(ticket: Ticket) -> list[dict]:
    return [e.data for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                                 Event.kind == "status_changed"))]


def api_headers(now) -> dict[str, str]:
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    token, _row = api_tokens.issue(agent, "integration", actor="test", now=now)
    return {"Authorization": f"Bearer {token}"}


def test_the_status_form_refuses_resolved_without_a_reason_and_saves_nothing(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    html = client.get(page).get_data(as_text=True)
    assert 'name="reason"' in html and "Carrier delay" in html  # the picker, in the page's language
    refused = auth.post(f"{page}/status", page, status="resolved")
    assert refused.status_code == 422 and "Choose why the ticket is resolved." in refused.get_data(as_text=True)
    assert reloaded(ticket).status == "new" and status_events(ticket) == []
    unknown = auth.post(f"{page}/status", page, status="resolved", reason="made_up")
    assert unknown.status_code == 422 and "from the list" in unknown.get_data(as_text=True)
    assert reloaded(ticket).status == "new" and reloaded(ticket).resolution_reason is None
    # other statuses need none
    assert auth.post(f"{page}/status", page, status="waiting_on_seller").status_code == 303


def test_resolving_with_a_reason_stores_it_and_the_history_says_it_in_vietnamese(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    assert auth.post(f"{page}/status", page, status="resolved", reason="carrier_delay").status_code == 303
    row = reloaded(ticket)
    assert (row.status, row.resolution_reason) == ("resolved", "carrier_delay") and row.resolved_at is not None
    assert status_events(ticket)[-1] == {"old": "new", "new": "resolved", "reason": "carrier_delay",
                                         "reason_en": "Carrier delay", "reason_vi": "Hãng vận chuyển giao chậm"}
    html = client.get(f"{page}?lang=vi").get_data(as_text=True)
    assert "đã giải quyết yêu cầu (từ trạng thái" in html and "Hãng vận chuyển giao chậm" in html
    english = client.get(f"{page}?lang=en").get_data(as_text=True)
    assert "resolved the ticket (from" in english and ": Carrier delay" in english
    # reopening keeps the last reason
    assert auth.post(f"{page}/status", page, status="open").status_code == 303
    assert reloaded(ticket).resolution_reason == "carrier_delay"


def test_send_and_resolve_needs_a_reason_and_keeps_the_draft(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    refused = auth.post(f"{page}/reply", page, body="Đơn đã giao lại hôm nay.", status="resolved")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Choose why the ticket is resolved." in html
    assert "Đơn đã giao lại hôm nay." in html  # the draft stays on the page
    assert db.session.scalars(select(Message).where(Message.ticket_id == ticket.id,
                                                    Message.author_kind == "staff")).all() == []
    assert reloaded(ticket).status == "new" and reloaded(ticket).first_responded_at is None
    sent = auth.post(f"{page}/reply", page, body="Đơn đã giao lại hôm nay.", status="resolved", reason="wrong_address")
    assert sent.status_code == 303
    row = reloaded(ticket)
    assert (row.status, row.resolution_reason) == ("resolved", "wrong_address")
    assert status_events(ticket)[-1]["reason"] == "wrong_address"


def test_a_plain_reply_ignores_a_picked_reason(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    assert auth.post(f"{page}/reply", page, body="Đang kiểm tra.", reason="other").status_code == 303
    assert (reloaded(ticket).status, reloaded(ticket).resolution_reason) == ("open", None)


def test_bulk_resolve_needs_a_reason_and_touches_no_ticket_without_one(client, demo, auth, now):
    tickets = [factories.ticket(now), factories.ticket(now, submission_key="two")]
    auth.login()
    html = client.get("/inbox").get_data(as_text=True)
    assert 'name="resolution_reason"' in html and 'data-bulk-for="status"' in html
    refs = [t.reference for t in tickets]
    refused = client.post("/inbox/bulk", data={"csrf_token": csrf_from(html), "action": "status",
                                               "status": "resolved", "refs": refs})
    assert refused.status_code == 422 and "Choose why the ticket is resolved." in refused.get_data(as_text=True)
    assert {reloaded(t).status for t in tickets} == {"new"}
    done = client.post("/inbox/bulk", data={"csrf_token": csrf_from(html), "action": "status", "status": "resolved",
                                            "resolution_reason": "cod_timing", "refs": refs})
    assert done.status_code == 303
    assert {(reloaded(t).status, reloaded(t).resolution_reason) for t in tickets} == {("resolved", "cod_timing")}
    # other statuses need no reason
    again = client.post("/inbox/bulk", data={"csrf_token": csrf_from(html), "action": "status", "status": "open",
                                             "refs": refs})
    assert again.status_code == 303 and {reloaded(t).status for t in tickets} == {"open"}


def test_the_staff_api_requires_a_reason_to_resolve(client, demo, now):
    ticket = factories.ticket(now)
    headers = api_headers(now)
    url = f"/api/v1/staff/tickets/{ticket.reference}/status"
    refused = client.post(url, json={"status": "resolved"}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["reason"] == ["Choose why the ticket is resolved."]
    assert client.post(url, json={"status": "resolved", "reason": "nope"}, headers=headers).status_code == 422
    assert client.post(url, json={"status": "resolved", "reason": 5}, headers=headers).status_code == 400
    assert reloaded(ticket).status == "new" and status_events(ticket) == []
    done = client.post(url, json={"status": "resolved", "reason": "app_defect"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
    assert done.get_json()["resolution_reason"] == "app_defect"
    assert reloaded(ticket).resolution_reason == "app_defect"
    assert client.post(url, json={"status": "open", "reason": None}, headers=headers).status_code == 200


def test_a_sellers_own_resolution_needs_no_reason_and_stores_none(app, demo, now):
    ticket = factories.ticket(now, tracking=("NVDEMO00001",))  # a parcel the demo knows
    ticket_service.self_resolve(ticket, now=now)
    row = reloaded(ticket)
    assert (row.status, row.self_resolved, row.resolution_reason) == ("resolved", True, None)
    assert "reason" not in status_events(ticket)[-1]


def test_admin_adds_renames_and_switches_off_a_reason_audited(client, demo, auth, now):
    auth.login("admin@demo.test")
    page = client.get("/admin/reasons")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hãng vận chuyển giao chậm" in html
    assert "/admin/reasons" in client.get("/admin/").get_data(as_text=True)  # linked from the index
    token = csrf_from(html)
    bad = client.post("/admin/reasons", data={"csrf_token": token, "code": "Bad Code", "label_en": "x",
                                              "label_vi": "y"})
    assert bad.status_code == 422 and "lower-case letters" in bad.get_data(as_text=True)
    unnamed = client.post("/admin/reasons", data={"csrf_token": token, "code": "fine", "label_en": "x",
                                                  "label_vi": ""})
    assert unnamed.status_code == 422 and "Give the Vietnamese label." in unnamed.get_data(as_text=True)
    dup = client.post("/admin/reasons", data={"csrf_token": token, "code": "other", "label_en": "x", "label_vi": "y"})
    assert dup.status_code == 422 and "already a reason" in dup.get_data(as_text=True)
    ok = client.post("/admin/reasons", data={"csrf_token": token, "code": "damaged_goods", "label_en": "Damaged goods",
                                             "label_vi": "Hàng bị hư hỏng"})
    assert ok.status_code == 303
    added = db.session.scalar(select(ResolutionReason).where(ResolutionReason.code == "damaged_goods"))
    assert added.active and added.sort_order > 0
    renamed = client.post(f"/admin/reasons/{added.id}/rename",
                          data={"csrf_token": token, "label_en": "Damaged parcel", "label_vi": "Bưu kiện bị hư hỏng"})
    assert renamed.status_code == 303
    empty = client.post(f"/admin/reasons/{added.id}/rename", data={"csrf_token": token, "label_en": "",
                                                                    "label_vi": "x"})
    assert empty.status_code == 422
    assert client.post(f"/admin/reasons/{added.id}/off", data={"csrf_token": token}).status_code == 303
    actions = [(e.action, e.target_label) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == [("reason.added", "damaged_goods"), ("reason.renamed", "damaged_goods"),
                            ("reason.switched_off", "damaged_goods")]
    renamed_event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reason.renamed")).one()
    assert json.loads(renamed_event.after_json)["label_vi"] == "Bưu kiện bị hư hỏng"
    assert not db.session.get(ResolutionReason, added.id).active


def test_a_switched_off_reason_is_not_offered_but_old_tickets_keep_its_label(client, demo, auth, now):
    ticket = factories.ticket(now)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_actions.change_status(ticket, agent, "resolved", now=now, reason="seller_mistake", require_reason=True)
    auth.login("admin@demo.test")
    reason = db.session.scalar(select(ResolutionReason).where(ResolutionReason.code == "seller_mistake"))
    assert auth.post(f"/admin/reasons/{reason.id}/off", "/admin/reasons").status_code == 303
    auth.post("/logout", "/inbox")
    auth.login()
    other = factories.ticket(now, submission_key="other")
    page = f"/tickets/{other.reference}"
    assert "Seller mistake" not in client.get(page).get_data(as_text=True)
    assert auth.post(f"{page}/status", page, status="resolved", reason="seller_mistake").status_code == 422
    assert reloaded(other).status == "new"
    old = client.get(f"/tickets/{ticket.reference}?lang=vi").get_data(as_text=True)
    assert "Người bán nhầm lẫn" in old  # the history keeps the label it was resolved with
    assert reloaded(ticket).resolution_reason == "seller_mistake"


def test_managers_look_at_the_reasons_agents_are_refused(client, demo, auth):
    auth.login("manager@demo.test")
    assert client.get("/admin/reasons").status_code == 200
    refused = auth.post("/admin/reasons", "/admin/reasons", code="x", label_en="x", label_vi="y")
    assert refused.status_code == 403
    assert db.session.scalar(select(ResolutionReason).where(ResolutionReason.code == "x")) is None
    auth.post("/logout", "/inbox")
    auth.login()
    assert client.get("/admin/reasons").status_code == 403
