"""A line to someone who decides: after a breach or a second reopening the seller may ask a team lead
to look, once per ticket; the department's leads hear at once (bell and webhook), the history keeps
it, the seller sees who follows, staff see the request and reports count them per department."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Event, LeadRequest, Notification, Ticket, User, WebhookDelivery
from portal.services import sla_jobs, staff_actions, webhook_delivery, webhooks
from tests import factories
from tests.clients import csrf_from, seller_browser
from tests.webhook_receiver import SECRET

HOUR = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
REASON = "Đã 2 lần báo mà hàng vẫn chưa được lấy, tôi cần người có thẩm quyền xử lý."


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def page_of(client, path: str):
    response = client.get(path)
    return response, html_lib.unescape(response.get_data(as_text=True))


def ask(client, path: str, reason: str = REASON):
    _response, page = page_of(client, path)
    return client.post(f"{path}/lead", data={"csrf_token": csrf_from(page), "reason": reason})


def requests_of(ticket: Ticket) -> int:
    return db.session.scalar(select(func.count()).select_from(LeadRequest).where(LeadRequest.ticket_id == ticket.id))


@pytest.fixture
def breached(demo, now) -> Ticket:
    """A delivery ticket (24/7, four hours) sent six hours ago and marked breached by the SLA sweep."""
    ticket = factories.ticket(now - 6 * HOUR)
    assert sla_jobs.sweep(now, dt.timedelta(hours=2)).breached == 1
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def path_of(seller, ticket: Ticket) -> str:
    return f"{seller.link_path()}/tickets/{ticket.reference}"


def test_a_fresh_ticket_offers_no_lead_and_refuses_a_request(client, seller, demo, now):
    ticket = factories.ticket(now - 10 * MIN)
    _response, page = page_of(client, path_of(seller, ticket))
    assert "Ask a team lead to look" not in page
    response = ask(client, path_of(seller, ticket))
    assert response.status_code == 409
    assert "once a ticket is late or had to be reopened twice" in html_lib.unescape(response.get_data(as_text=True))
    assert requests_of(ticket) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_after_a_breach_the_seller_asks_once_and_the_lead_hears(client, seller, breached, now):
    path = path_of(seller, breached)
    _response, page = page_of(client, path)
    assert "Ask a team lead to look" in page and "We did not answer by the time we promised." in page
    before = db.session.scalar(select(func.count()).select_from(Notification))

    assert ask(client, path, reason="   ").status_code == 422
    too_long = ask(client, path, reason="x" * 501)
    assert too_long.status_code == 422 and "under 500 characters" in too_long.get_data(as_text=True)
    assert requests_of(breached) == 0

    response = ask(client, path)
    assert response.status_code == 303 and response.headers["Location"].endswith("#lead")
    lead = user("lead.delivery@demo.test")
    bells = list(db.session.scalars(select(Notification).where(Notification.kind == "lead_requested")))
    assert [(n.user_id, n.ticket_id) for n in bells] == [(lead.id, breached.id)]
    assert breached.reference in bells[0].text and db.session.scalar(
        select(func.count()).select_from(Notification)) == before + 1
    event = db.session.scalar(select(Event).where(Event.ticket_id == breached.id, Event.kind == "lead_requested"))
    assert event.data["trigger"] == "breached" and event.data["notified"] == [lead.id]
    assert "reason" not in event.data and event.actor_label == "seller DEMO-001"

    _response, page = page_of(client, path)
    assert "A team lead follows this ticket" in page
    assert "Lead Delivery, team lead of Pickup & delivery, has been told and now follows your ticket." in page
    assert REASON in page and "Ask a team lead to look" not in page

    again = ask(client, path, reason="Lần nữa")
    assert again.status_code == 409 and "already asked a team lead" in again.get_data(as_text=True)
    assert requests_of(breached) == 1


def test_a_request_without_the_forms_token_is_refused(client, seller, breached):
    response = client.post(f"{path_of(seller, breached)}/lead", data={"reason": REASON})
    assert response.status_code in (400, 422) and requests_of(breached) == 0


def test_the_seller_sees_the_offer_in_vietnamese(app, breached):
    browser = seller_browser(app, "vi")
    _response, page = page_of(browser.client, f"{browser.link_path()}/tickets/{breached.reference}")
    assert "Nhờ trưởng nhóm xem xét" in page and "Chúng tôi đã không trả lời kịp thời hạn đã hứa." in page


def test_the_lead_request_is_a_webhook_event(app, client, seller, breached, hooks, now):
    endpoint = webhooks.add_endpoint(hooks.url, "lead_requested", SECRET, now=now)
    assert endpoint.event_kinds == ["lead_requested"]
    assert ask(client, path_of(seller, breached)).status_code == 303
    rows = list(db.session.scalars(select(WebhookDelivery)))
    assert [(r.event_kind, r.ticket_id, r.status) for r in rows] == [("lead_requested", breached.id, "pending")]
    payload = json.loads(rows[0].payload_json)
    assert payload["event"] == "lead_requested" and payload["ticket"]["reference"] == breached.reference
    assert payload["ticket"]["department"] == "delivery"
    assert payload["lead_request"]["reason"] == REASON and payload["lead_request"]["trigger"] == "breached"
    assert payload["lead_request"]["notified"] == ["lead.delivery@demo.test"]
    assert webhook_delivery.deliver_due(now + MIN).delivered == 1
    assert [r.headers["x-portal-event"] for r in hooks.received] == ["lead_requested"]


def test_the_cli_subscribes_to_lead_requests(app, runner, hooks):
    result = runner.invoke(args=["webhooks", "add", "--url", hooks.url, "--events", "lead_requested",
                                 "--secret", SECRET])
    assert result.exit_code == 0, result.output


def resolve_and_reopen(ticket: Ticket, at: dt.datetime) -> None:
    agent = user("agent1.delivery@demo.test")
    staff_actions.reply(ticket, agent, "Đã xử lý.", False, now=at)
    staff_actions.change_status(ticket, agent, "resolved", now=at + MIN)
    factories.message(ticket, "Vẫn chưa được, hàng vẫn nằm ở kho.", now=at + 2 * MIN)


def test_the_second_reopening_opens_the_line(client, seller, demo, now):
    ticket = factories.ticket(now - 3 * HOUR)
    agent = user("agent1.delivery@demo.test")
    staff_actions.change_status(ticket, agent, "waiting_on_seller", now=now - 170 * MIN)
    factories.message(ticket, "Đây là ảnh chụp màn hình.", now=now - 160 * MIN)  # an answer, not a reopening
    resolve_and_reopen(ticket, now - 2 * HOUR)
    path = path_of(seller, ticket)
    assert "Ask a team lead to look" not in page_of(client, path)[1]
    # a closed ticket's page has no form at all: the token comes from the seller's link page
    token = csrf_from(page_of(client, seller.link_path())[1])
    assert client.post(f"{path}/lead", data={"csrf_token": token, "reason": REASON}).status_code == 409

    resolve_and_reopen(ticket, now - HOUR)
    _response, page = page_of(client, path)
    assert "You have had to reopen this ticket more than once." in page
    assert ask(client, path).status_code == 303
    request = db.session.scalar(select(LeadRequest).where(LeadRequest.ticket_id == ticket.id))
    assert request.trigger == "reopened" and request.lead.email == "lead.delivery@demo.test"


def test_a_closed_ticket_offers_no_lead(client, seller, breached, now):
    staff_actions.change_status(breached, user("agent1.delivery@demo.test"), "closed", now=now)
    path = path_of(seller, breached)
    assert "Ask a team lead to look" not in page_of(client, path)[1]
    # a closed ticket's page has no form at all: the token comes from the seller's link page
    token = csrf_from(page_of(client, seller.link_path())[1])
    assert client.post(f"{path}/lead", data={"csrf_token": token, "reason": REASON}).status_code == 409


def test_staff_see_the_request_on_the_ticket(client, seller, auth, breached):
    assert ask(client, path_of(seller, breached)).status_code == 303
    assert auth.login("lead.delivery@demo.test").status_code == 303
    _response, page = page_of(client, f"/tickets/{breached.reference}")
    assert "The seller asked a team lead to look" in page and "after a missed promise" in page
    assert "Following: Lead Delivery (team lead)." in page and REASON in page


def test_reports_count_requests_per_department(app, client, seller, auth, demo, now):
    for _ in range(2):
        factories.ticket(now - 6 * HOUR)
    factories.ticket(now - 6 * HOUR, category="finance", tracking=(), description="Chưa nhận tiền COD tuần trước.")
    sla_jobs.sweep(now, dt.timedelta(hours=2))
    db.session.expire_all()
    for ticket in db.session.scalars(select(Ticket).order_by(Ticket.id)):
        assert ask(client, path_of(seller, ticket)).status_code == 303
    assert auth.login("manager@demo.test").status_code == 303
    local_today = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the reports' days are the portal's
    today, yesterday = local_today.isoformat(), (local_today - dt.timedelta(days=1)).isoformat()
    _response, page = page_of(client, f"/reports?from={yesterday}&to={today}")
    section = page[page.index('id="lead-requests"'):]
    section = section[:section.index("</section>")]
    assert "Sellers asking for a team lead" in section
    assert "<td>Pickup & delivery</td><td data-label=\"Requests\">2</td>" in section
    assert "<td>Finance</td><td data-label=\"Requests\">1</td>" in section
    _response, only = page_of(client, f"/reports?from={yesterday}&to={today}&department=finance")
    only = only[only.index('id="lead-requests"'):]
    assert "Finance" in only[:only.index("</section>")] and "Pickup" not in only[:only.index("</section>")]


def test_forgetting_the_seller_erases_the_reason(app, client, seller, breached, hooks, now):
    from portal.services import erasure

    webhooks.add_endpoint(hooks.url, "lead_requested", SECRET, now=now)
    assert ask(client, path_of(seller, breached)).status_code == 303
    found = erasure.forget_seller("DEMO-001", now=now + MIN, upload_dir=app.config["UPLOAD_DIR"], actor_label="test")
    assert found.messages >= 2  # the description's message and the reason
    db.session.expire_all()
    assert db.session.scalar(select(LeadRequest.reason)) == ""
    payload = json.loads(db.session.scalar(select(WebhookDelivery.payload_json)))
    assert payload["lead_request"]["reason"] == "" and payload["lead_request"]["trigger"] == "breached"
    assert REASON not in json.dumps([e.data for e in db.session.scalars(select(Event))], ensure_ascii=False)
