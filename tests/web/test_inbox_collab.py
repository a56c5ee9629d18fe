"""Working together: collision warning, presence, bulk actions, canned replies, the bell."""
import datetime as dt
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, Message, Notification, Ticket, User
from portal.services import sla_jobs, staff_actions
from tests import factories
from tests.clients import AuthActions, FreshGClient, csrf_from


def second_staff(app, email):
    app.test_client_class = FreshGClient
    other = AuthActions(app.test_client())
    other.login(email)
    return other


def test_reply_on_a_stale_view_warns_and_keeps_the_draft(client, app, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    seen = re.search(r'name="seen_event"[^>]*value="(\d+)"', page).group(1)
    lead = second_staff(app, "lead.delivery@demo.test")
    assert lead.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                     body="Lead trả lời trước.").status_code == 303
    stale = client.post(f"/tickets/{ticket.reference}/reply",
                        data={"csrf_token": csrf_from(page), "body": "Bản nháp của agent", "seen_event": seen})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Lead Delivery replied while you were writing" in html
    assert "Bản nháp của agent" in html and "Lead trả lời trước." in html
    assert db.session.scalar(select(Message).where(Message.body == "Bản nháp của agent")) is None
    # sending again from the warning page is deliberate and goes through
    confirm = re.search(r'name="confirm"[^>]*value="1"', html)
    assert confirm
    again = client.post(f"/tickets/{ticket.reference}/reply", data={
        "csrf_token": csrf_from(html), "body": "Bản nháp của agent", "confirm": "1",
        "seen_event": re.search(r'name="seen_event"[^>]*value="(\d+)"', html).group(1)})
    assert again.status_code == 303
    assert db.session.scalar(select(Message).where(Message.body == "Bản nháp của agent")) is not None


def test_own_replies_and_notes_do_not_count_as_crossing(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    seen = re.search(r'name="seen_event"[^>]*value="(\d+)"', page).group(1)
    auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}", body="ghi chú", internal="1")
    response = client.post(f"/tickets/{ticket.reference}/reply",
                           data={"csrf_token": csrf_from(page), "body": "Trả lời", "seen_event": seen})
    assert response.status_code == 303


def test_presence_shows_who_else_has_the_ticket_open(client, app, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    lead = second_staff(app, "lead.delivery@demo.test")
    page = lead.client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert lead.client.post(f"/tickets/{ticket.reference}/presence",
                            data={"csrf_token": csrf_from(page)}).json == {"others": []}
    mine = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert "Also viewing this ticket: <strong class=\"presence-names\">Lead Delivery</strong>" in mine
    beat = client.post(f"/tickets/{ticket.reference}/presence", data={"csrf_token": csrf_from(mine)})
    assert beat.json == {"others": ["Lead Delivery"]}
    assert lead.client.post(f"/tickets/{ticket.reference}/presence",
                            data={"csrf_token": csrf_from(page)}).json == {"others": ["Agent 1 Delivery"]}


def test_bulk_assign_status_transfer_with_per_ticket_refusals(client, demo, auth, now):
    a, b = factories.ticket(now), factories.ticket(now)
    foreign = factories.ticket(now, category="finance", description="Chưa nhận tiền COD")
    auth.login("lead.delivery@demo.test")
    page = client.get("/inbox").get_data(as_text=True)
    assert f'value="{a.reference}"' in page
    token = csrf_from(page)
    r = client.post("/inbox/bulk", data={"csrf_token": token, "action": "assign", "value": "agent2.delivery@demo.test",
                                         "refs": [a.reference, b.reference, foreign.reference]})
    assert r.status_code == 303
    flashed = client.get("/inbox").get_data(as_text=True)
    assert "2 ticket(s) updated" in flashed and f"{foreign.reference}: not found in your departments" in flashed
    client.post("/inbox/bulk", data={"csrf_token": token, "action": "status", "value": "closed",
                                     "refs": [a.reference]})
    r = client.post("/inbox/bulk", data={"csrf_token": token, "action": "status", "value": "open",
                                         "refs": [a.reference, b.reference]})
    assert "cannot become open" in client.get("/inbox").get_data(as_text=True)
    client.post("/inbox/bulk", data={"csrf_token": token, "action": "transfer", "value": "returns",
                                     "reason": "Hàng hoàn", "refs": [b.reference]})
    db.session.expire_all()
    assert db.session.get(Ticket, a.id).status == "closed"
    assert db.session.get(Ticket, b.id).status == "open" and db.session.get(Ticket, b.id).department.code == "returns"
    assert db.session.get(Ticket, foreign.id).assignee.email != "agent2.delivery@demo.test"
    assert db.session.get(Ticket, a.id).assignee.email == "agent2.delivery@demo.test"
    assert db.session.get(Ticket, b.id).assignee is None  # a transfer leaves the new department to assign
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.ticket_id == b.id))]
    assert kinds[-2:] == ["status_changed", "transferred"]


def test_bulk_needs_a_selection_and_csrf(client, demo, auth):
    auth.login()
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    client.post("/inbox/bulk", data={"csrf_token": token, "action": "status", "value": "resolved"})
    assert "Select at least one ticket" in client.get("/inbox").get_data(as_text=True)
    assert client.post("/inbox/bulk", data={"action": "status", "value": "resolved", "refs": ["x"]}).status_code == 400


def test_canned_replies_fill_seller_name_and_reference(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert f"Chào Shop Hoa Mai, chúng tôi đã nhận yêu cầu {ticket.reference}" in html


def test_bell_counts_unread_escalations_and_marks_them_read(client, demo, auth, now):
    ticket = factories.ticket(now)
    sla_jobs.sweep(now + dt.timedelta(hours=5), dt.timedelta(hours=2))
    lead = db.session.scalar(select(User).where(User.email == "lead.delivery@demo.test"))
    unread = db.session.query(Notification).filter_by(user_id=lead.id, read_at=None).count()
    assert unread == 1
    auth.login("lead.delivery@demo.test")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'aria-label="1 unread notifications"' in html
    listing = client.get("/notifications").get_data(as_text=True)
    assert f"{ticket.reference} breached its first-response target" in listing
    assert auth.post("/notifications/read", "/notifications").status_code == 303
    assert 'aria-label="0 unread notifications"' in client.get("/inbox").get_data(as_text=True)


def test_staff_reply_is_staff_actions_reply(app, demo, now):
    """The service refuses an empty body whatever the view does."""
    import pytest

    from portal.services.errors import InvalidInput

    ticket = factories.ticket(now)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    with pytest.raises(InvalidInput):
        staff_actions.reply(ticket, agent, "   ", False, now=now)
