"""One rate-limit budget per seller: the posts of their link (form, reply, rating) and of the seller
API (tickets, replies, ratings) all spend RATELIMIT_SELLER together, so switching between the form
and the API gives no second budget."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db, limiter
from portal.models import Ticket
from portal.services import links, sellers, staff_actions
from tests.clients import csrf_from

API = "/api/v1"
TICKET = {"category": "delivery_delay", "tracking_numbers": ["NV12345678"],
          "description": "Đơn hàng chưa được lấy hàng từ hôm qua."}


@pytest.fixture
def budget(app, demo, monkeypatch):
    limiter.reset()
    monkeypatch.setitem(app.config, "RATELIMIT_SELLER", "4 per minute")
    yield 4
    limiter.reset()


def bearer(app, code: str = "DEMO-001") -> dict:
    return {"Authorization": f"Bearer {links.link_token(sellers.by_code(code), app.config['SECRET_KEY'])}"}


def api_create(client, app, code: str = "DEMO-001"):
    return client.post(f"{API}/tickets", json=TICKET, headers=bearer(app, code))


def ticket_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def test_form_and_api_posts_share_one_budget(client, app, seller, budget):
    path = seller.link_path()
    codes = []
    for n in range(budget):
        codes.append((seller.submit(path) if n % 2 == 0 else api_create(client, app)).status_code)
    assert codes == [303, 201, 303, 201]
    refused_form, refused_api = seller.submit(path), api_create(client, app)
    assert refused_form.status_code == 429 and "Too many requests" in refused_form.get_data(as_text=True)
    assert 1 <= int(refused_form.headers["Retry-After"]) <= 60
    assert refused_api.status_code == 429 and refused_api.get_json()["error"]["status"] == 429
    assert ticket_count() == budget  # nothing stored past the budget
    # another seller has a budget of their own, on both channels
    assert seller.submit(seller.link_path("DEMO-002")).status_code == 303
    assert api_create(client, app, "DEMO-002").status_code == 201


def test_api_posts_then_the_form_is_refused(client, app, seller, budget):
    assert [api_create(client, app).status_code for _ in range(budget)] == [201] * budget
    assert seller.submit(seller.link_path()).status_code == 429


def test_replies_and_ratings_spend_the_same_budget(client, app, seller, budget):
    path = seller.link_path()
    created = api_create(client, app)  # 1
    reference = created.get_json()["reference"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    staff_actions.change_status(ticket, ticket.assignee, "resolved", now=ticket.created_at)
    page = f"{path}/tickets/{reference}"
    csrf = csrf_from(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/reply", data={"csrf_token": csrf, "body": "Cảm ơn ạ"}).status_code == 303  # 2
    api_reply = client.post(f"{API}/tickets/{reference}/replies", json={"body": "Vẫn chưa nhận"},
                            headers=bearer(app))
    assert api_reply.status_code == 201  # 3
    staff_actions.reply(ticket, ticket.assignee, "Đã xử lý, mời bạn đánh giá.", False, now=ticket.created_at)
    staff_actions.change_status(ticket, ticket.assignee, "resolved", now=ticket.created_at)
    rating = client.post(f"{API}/tickets/{reference}/rating", json={"score": 5}, headers=bearer(app))
    assert rating.status_code == 201  # 4
    assert client.post(f"{page}/reply", data={"csrf_token": csrf, "body": "Thêm"}).status_code == 429
    assert client.post(f"{API}/tickets/{reference}/replies", json={"body": "Thêm"},
                       headers=bearer(app)).status_code == 429


def test_a_revoked_link_cannot_spend_the_current_links_budget(client, app, seller, budget, now):
    old_path = seller.link_path()
    old_form = seller.form(old_path)
    sellers.revoke_links(sellers.by_code("DEMO-001"), now=now)
    answers = [seller.post_form(old_path, old_form).status_code for _ in range(budget + 2)]
    assert answers == [410] * budget + [429] * 2  # the old key's budget, spent on refusals
    assert seller.submit(seller.link_path()).status_code == 303
    assert api_create(client, app).status_code == 201
