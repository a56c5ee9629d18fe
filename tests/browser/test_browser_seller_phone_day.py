"""A Vietnamese seller's day on a phone (390×844), end to end over real HTTP: the carrier's feed reports
a parcel, the form shows its status before any ticket, the seller switches notifications off and on
again, still needs help and sends a ticket; the agent answers and resolves it in one step; the gateway
receives one signed message naming the ticket; the seller's list marks the answer as new; the seller
reads it and rates it. Every page the seller sees passes axe-core."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import urllib.request

from tests.browser.axe_check import assert_accessible
from tests.browser.helpers import NOTIFY_SECRET, PHONE, STAFF_PASSWORD, TICKET_URL, unique_tracking

AGENT = "agent1.delivery@demo.test"


def _feed(server, number: str, status: str, event: str, occurred_at: dt.datetime) -> dict:
    """The carrier posts one event for DEMO-001's parcel with an integration token made by the CLI."""
    token = server.cli("integrations", "token", "--name", "Carrier").strip().splitlines()[-1]
    body = json.dumps({"events": [{"tracking_number": number, "status": status, "event": event,
                                   "occurred_at": occurred_at.isoformat(), "seller_code": "DEMO-001"}]}).encode()
    request = urllib.request.Request(f"{server.base_url}/api/v1/shipments/events", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202
        return json.loads(response.read())


def test_a_seller_on_a_phone_from_parcel_status_to_rating(browser, notifying_portal):
    server = notifying_portal
    number = unique_tracking()
    assert _feed(server, number, "delivery_failed", "Khách hẹn giao lại",
                 dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)) == {"accepted": 1, "ignored": 0}
    link = server.seller_link("DEMO-001")
    seller_context = browser.new_context(base_url=server.base_url, **PHONE)
    staff_context = browser.new_context(base_url=server.base_url, viewport={"width": 1366, "height": 900},
                                        locale="vi-VN")
    try:
        seller = seller_context.new_page()
        seller.goto(link)
        assert seller.locator("html").get_attribute("lang") == "vi"

        # notifications: off, then on again (the seller's own switch)
        seller.get_by_role("button", name="Tắt thông báo").click()
        seller.get_by_role("button", name="Bật thông báo").wait_for()
        seller.get_by_role("button", name="Bật thông báo").click()
        seller.get_by_role("button", name="Tắt thông báo").wait_for()

        # the parcel's status appears under the field as the seller types, before any ticket
        seller.select_option("select[name=category]", "delivery_delay")
        seller.fill("[name=tracking_numbers]", number)
        inline = seller.locator("#parcel-status")
        inline.get_by_text("Giao hàng không thành công").wait_for()
        assert "Khách hẹn giao lại" in inline.inner_text()
        assert "ngày làm việc tiếp theo" in inline.inner_text()  # what happens next, in words
        assert_accessible(seller, "the seller's form with the parcel status")

        # not answered by the status: "I still need help", then the ticket
        inline.get_by_role("button", name="Tôi vẫn cần hỗ trợ").click()
        seller.fill("[name=description]", "Khách muốn đổi địa chỉ giao lại, nhờ hỗ trợ gấp.")
        seller.get_by_role("button", name="Gửi", exact=True).click()
        seller.wait_for_url(TICKET_URL)
        reference = TICKET_URL.search(seller.url).group(1)
        assert_accessible(seller, "the seller's new ticket")

        # the agent answers and resolves in one step
        agent = staff_context.new_page()
        agent.goto("/login")
        agent.fill("[name=email]", AGENT)
        agent.fill("[name=password]", STAFF_PASSWORD)
        agent.locator("form button[type=submit]").first.click()
        agent.wait_for_url(re.compile(r"/inbox"))
        agent.goto(f"/tickets/{reference}")
        agent.fill("#reply-body", "Chúng tôi đã đổi địa chỉ, bưu tá sẽ giao lại ngày mai.")
        agent.locator("#reply-reason").select_option(label="Sai địa chỉ")
        agent.get_by_role("button", name="Gửi và đánh dấu đã giải quyết").click()
        agent.wait_for_load_state()

        # the gateway hears of it once, signed, naming the ticket in the seller's language
        # (the demo data's own answers are told too: this seller's ticket is one message among them)
        assert re.match(r"^delivered=[1-9]\d* retrying=0 dead=0 refused=0", server.cli("notifications", "deliver"))
        [message] = [r for r in server.hooks.received if json.loads(r.body).get("reference") == reference]
        body = json.loads(message.body)
        expected = "sha256=" + hmac.new(NOTIFY_SECRET.encode(), message.body, hashlib.sha256).hexdigest()
        assert message.headers["x-portal-signature"] == expected and message.headers["x-portal-delivery"]
        assert body["event"] == "ticket_resolved" and body["seller_code"] == "DEMO-001" and body["locale"] == "vi"
        assert reference in body["text"] and body["url"].endswith(f"/tickets/{reference}")

        # the list marks the answer as new until the seller opens it
        seller.goto(f"{link}/tickets")
        row = seller.locator("li, tr").filter(has_text=reference).first
        assert "Có trả lời mới" in row.inner_text()
        assert_accessible(seller, "the seller's ticket list")
        seller.goto(body["url"])
        assert "bưu tá sẽ giao lại ngày mai" in seller.locator("main").inner_text()
        seller.goto(f"{link}/tickets")
        assert "Có trả lời mới" not in seller.locator("li, tr").filter(has_text=reference).first.inner_text()

        # and rates the human answer on a large, labelled scale
        seller.goto(body["url"])
        five = seller.locator("label[for=score-5]")
        assert five.inner_text().strip() == "5 — Rất hài lòng"
        box = five.bounding_box()
        assert box and box["height"] >= 44, f"the 5 is a small tap target: {box}"
        five.tap()
        assert seller.locator("#score-5").is_checked()
        seller.get_by_role("button", name="Gửi đánh giá").click()
        seller.get_by_text("Bạn đã đánh giá câu trả lời 5/5").wait_for()
        assert_accessible(seller, "the rated ticket")
    finally:
        seller_context.close()
        staff_context.close()
