"""The staff ticket page as one workspace: the previous and next ticket of the agent's queue (the
service and the header's links, "send and go to the next ticket"), and the side panel (the SLA
clock, the seller with their other tickets the agent may see, the parcels with their status)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Shipment, Ticket, User
from portal.services import inbox
from tests import factories


def agent(email: str = "agent1.delivery@demo.test") -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def queue(demo, now) -> list[Ticket]:
    """Five open delivery tickets due one hour apart, two of them due at the same time (the id breaks the
    tie), in the queue's order; with them, tickets the delivery agent's queue must skip: a resolved
    one due in between and a finance one."""
    due = [now + dt.timedelta(hours=h) for h in (1, 2, 2, 3, 4)]
    made = [factories.ticket(now - dt.timedelta(minutes=10 - n), first_response_due_at=when,
                             at_risk_at=when - dt.timedelta(minutes=30)) for n, when in enumerate(due)]
    factories.ticket(now, status="resolved", first_response_due_at=now + dt.timedelta(hours=2, minutes=30),
                     resolved_at=now)
    factories.ticket(now, category="finance", description="Chưa nhận tiền đối soát", tracking=(),
                     first_response_due_at=now + dt.timedelta(hours=1, minutes=30))
    return sorted(made, key=lambda t: (t.first_response_due_at, t.id))


def test_neighbours_follow_the_queue_order(queue):
    user = agent()
    listed, _cursor = inbox.queue(user, inbox.QueueFilter(), dt.datetime.now(dt.UTC))
    assert [t.id for t in listed] == [t.id for t in queue]
    for n, ticket in enumerate(queue):
        previous, following = inbox.queue_neighbours(user, ticket)
        assert previous == (queue[n - 1] if n else None)
        assert following == (queue[n + 1] if n + 1 < len(queue) else None)


def test_a_ticket_out_of_the_queue_still_has_its_place(queue):
    resolved = db.session.scalar(select(Ticket).where(Ticket.status == "resolved"))
    assert inbox.queue_neighbours(agent(), resolved) == (queue[2], queue[3])


def test_a_manager_queue_holds_every_department(queue):
    finance = db.session.scalar(select(Ticket).where(Ticket.category == "finance"))
    assert inbox.queue_neighbours(agent("manager@demo.test"), finance) == (queue[0], queue[1])


def test_the_header_links_the_previous_and_next_ticket(client, auth, queue):
    auth.login()
    html = client.get(f"/tickets/{queue[1].reference}").get_data(as_text=True)
    assert re.search(rf'href="/tickets/{queue[0].reference}" rel="prev" data-key="k"', html)
    assert re.search(rf'href="/tickets/{queue[2].reference}" rel="next" data-key="j"', html)
    first = client.get(f"/tickets/{queue[0].reference}").get_data(as_text=True)
    assert 'rel="prev"' not in first and "No previous ticket" in first
    last = client.get(f"/tickets/{queue[-1].reference}").get_data(as_text=True)
    assert 'rel="next"' not in last and "No next ticket in your queue" in last
    assert "Keyboard shortcuts (?)" in html and '<dialog class="shortcuts"' in html


def test_send_and_go_to_the_next_ticket(client, auth, queue):
    auth.login()
    page = f"/tickets/{queue[0].reference}"
    response = auth.post(f"{page}/reply", page, body="Đã nhắc bưu cục.", status="waiting_on_seller", then="next")
    assert response.status_code == 303 and response.headers["Location"] == f"/tickets/{queue[1].reference}"
    db.session.expire_all()
    assert db.session.get(Ticket, queue[0].id).status == "waiting_on_seller"
    landed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Sent on {queue[0].reference}." in landed


def test_the_last_ticket_sends_the_agent_to_the_inbox(client, auth, queue):
    auth.login()
    page = f"/tickets/{queue[-1].reference}"
    response = auth.post(f"{page}/reply", page, body="Đã xử lý xong.", status="resolved", reason="carrier_delay",
                         then="next")
    assert response.status_code == 303 and response.headers["Location"] == "/inbox"
    assert "No more tickets in your queue." in client.get("/inbox").get_data(as_text=True)


def test_a_reply_without_next_stays_and_a_refused_one_goes_nowhere(client, auth, queue):
    auth.login()
    page = f"/tickets/{queue[0].reference}"
    assert auth.post(f"{page}/reply", page, body="Đã nhắc.").headers["Location"] == page
    refused = auth.post(f"{page}/reply", page, body="", then="next")
    assert refused.status_code == 422


def side_panel(html: str) -> str:
    return re.search(r'<aside class="ws-side".*?</aside>', html, flags=re.S).group(0)


def test_the_side_panel_shows_the_seller_parcels_and_clock(client, auth, demo, now):
    db.session.add_all([
        Shipment(tracking_number="NVWS000001", status="delivery_failed", last_event="Khách hẹn giao lại",
                 event_at=now - dt.timedelta(hours=1), seller_code="DEMO-001"),
        Shipment(tracking_number="NVWS000002", status="in_transit", last_event="Đến kho Bắc Ninh",
                 event_at=now - dt.timedelta(hours=2), seller_code="DEMO-002"),  # another seller's parcel
    ])
    db.session.commit()
    ticket = factories.ticket(now, tracking=("NVWS000001", "NVWS000002", "NVWS000003"), phone="0912345678")
    auth.login()
    panel = side_panel(client.get(f"/tickets/{ticket.reference}").get_data(as_text=True))
    assert "Shop Hoa Mai" in panel and "DEMO-001" in panel and 'href="tel:0912345678"' in panel
    assert "/inbox?q=DEMO-001&amp;status=all" in panel
    assert "Delivery failed" in panel and "The courier tries again on the next working day" in panel
    assert "Khách hẹn giao lại" in panel
    # the other seller's parcel stays unknown here, as it is on the seller's own pages
    assert "NVWS000002" in panel and "In transit" not in panel and "Đến kho Bắc Ninh" not in panel
    assert panel.count("No news from the carrier yet.") == 2
    assert "First response due" in panel
    assert re.search(r'class="countdown" data-due="\d{4}-\d\d-\d\dT', panel)  # the live countdown
    assert 'class="badge badge-on_track"' in panel


def test_other_tickets_in_the_panel_only_when_the_agent_may_see_them(client, auth, demo, now):
    ticket = factories.ticket(now)
    own = factories.ticket(now, status="waiting_on_seller")
    finance = factories.ticket(now, category="finance", description="Chưa nhận tiền đối soát", tracking=())
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    others = re.search(r'<ul class="other-tickets">(.*?)</ul>', html, flags=re.S).group(1)
    assert own.reference in others and "waiting on seller" in others
    assert f'href="tel:{ticket.seller.phone}"' in side_panel(html)  # no contact phone given: the seller's own
    assert finance.reference not in html  # not in the panel, nor in the merge picker
    assert f'<option value="{own.reference}">' in html  # the merge picker offers it
    auth.client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    auth.login("manager@demo.test")
    assert finance.reference in client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)


def test_the_workspace_speaks_vietnamese(app, demo, now):
    from tests.clients import AuthActions
    ticket = factories.ticket(now)
    client = app.test_client()
    client.set_cookie("lang", "vi")
    AuthActions(client).login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    for words in ("Thuộc tính yêu cầu", "Đồng hồ SLA", "Kiện hàng", "Phím tắt (?)", ">Trả lời</button>",
                  "Gửi xong thì chuyển sang yêu cầu tiếp theo", "Chuyển sang bộ phận khác", "Gộp vào yêu cầu khác"):
        assert words in html, words
    for english in ("Ticket properties", "SLA clock", "Parcels of this ticket", "Keyboard shortcuts",
                    "Public reply", "After sending", "No news from the carrier", "Next ticket"):
        assert english not in html, english


@pytest.mark.parametrize(("internal", "tab", "other"), [("", "reply", "note-body"), ("1", "note", "reply-body")])
def test_a_refused_draft_opens_on_its_own_tab_and_only_there(client, auth, demo, now, internal, tab, other):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    response = auth.post(f"{page}/reply", page, body="Bản nháp bị từ chối", internal=internal, status="flying")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'data-composer data-active="{tab}"' in html
    assert f'id="{other}" name="body" rows="4" required></textarea>' in html  # the other box stays empty
    assert html.count("Bản nháp bị từ chối</textarea>") == 1


def test_a_refused_transfer_or_merge_shows_its_form_open(client, auth, demo, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    transfer = auth.post(f"{page}/transfer", page, department="nowhere", reason="")
    assert transfer.status_code == 422
    opened = transfer.get_data(as_text=True)
    assert re.search(r'<details class="prop" open><summary>Transfer to another department', opened)
    merge = auth.post(f"{page}/merge", page, into="t-9999-0001")
    assert merge.status_code == 422
    html = merge.get_data(as_text=True)
    assert re.search(r'<details class="prop" open><summary>Merge into another ticket', html)
    assert "<details class=\"prop\"><summary>Transfer to another department" in html
