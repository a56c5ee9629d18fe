"""The whole loop across two browsers: seller sends, agent answers and resolves, seller rates."""
from __future__ import annotations

import re

from tests.browser.helpers import submit_ticket, unique_tracking

AGENT = "agent1.delivery@demo.test"


def _row(page, reference: str):
    return page.locator("table.queue tbody tr", has=page.get_by_role("link", name=reference, exact=True))


def _badge_text(scope) -> str:
    return scope.locator(".badge").first.inner_text().strip()


def test_seller_and_agent_close_the_loop(new_page, staff, seller_link):
    seller = new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    tracking = unique_tracking()
    reference = submit_ticket(seller, seller_link, tracking=tracking,
                              description="Đơn hàng đã 3 ngày chưa giao, khách hỏi liên tục.")
    assert "We will answer by" in seller.locator(".promise").inner_text()

    agent = staff.login(AGENT)
    assert agent.get_by_text("Agent 1 Delivery · Agent").is_visible()
    # the queue is sorted by first-response due time, soonest first
    dues = agent.locator("table.queue tbody small[data-due]").evaluate_all(
        "els => els.map(e => Date.parse(e.getAttribute('data-due')))")
    assert dues and dues == sorted(dues), "the inbox is not ordered by due time"
    assert _row(agent, reference).count() == 1, f"{reference} is not in the delivery inbox"
    assert _badge_text(_row(agent, reference)) == "on track"

    agent.get_by_label("Search").fill(reference)
    agent.get_by_role("button", name="Filter").click()
    agent.wait_for_url(re.compile(r"[?&]q=" + reference))
    rows = agent.locator("table.queue tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_role("link").inner_text() == reference
    assert "Shop Hoa Mai" in rows.first.inner_text()
    assert _badge_text(rows.first) == "on track"

    agent.get_by_label("Search").fill(tracking.lower())
    agent.get_by_role("button", name="Filter").click()
    agent.wait_for_url(re.compile(r"[?&]q=" + tracking.lower()))
    assert agent.locator("table.queue tbody tr").count() == 1
    assert _row(agent, reference).count() == 1, "searching by tracking number does not find the ticket"

    _row(agent, reference).get_by_role("link", name=reference).click()
    agent.wait_for_url(f"**/tickets/{reference}")
    heading = agent.get_by_role("heading", level=1)
    assert reference in heading.inner_text()
    assert _badge_text(heading) == "on track"
    assert "Pickup & delivery" in agent.locator("main").inner_text()

    answer = "Chào shop, bên mình đã liên hệ bưu cục, đơn sẽ được giao trong hôm nay."
    agent.get_by_label("Reply to seller").fill(answer)
    agent.get_by_role("button", name="Send reply").click()
    agent.wait_for_load_state()
    agent.locator("ol.thread li.msg-staff", has_text=answer).wait_for()
    assert _badge_text(agent.get_by_role("heading", level=1)) == "met"
    assert "answered" in agent.locator("main").inner_text()

    seller.reload()
    staff_message = seller.locator("ol.thread li.msg-staff")
    assert staff_message.count() == 1
    assert staff_message.locator(".body").inner_text() == answer
    assert "Agent 1 Delivery (support)" in staff_message.inner_text()
    assert "We answered at" in seller.locator(".promise").inner_text()
    assert seller.get_by_role("heading", name="How did we do?").count() == 0, "rating offered before resolution"

    agent.get_by_label("Status").select_option("resolved")
    agent.locator("form[action$='/status']").get_by_label("Resolution reason").select_option("carrier_delay")
    agent.locator("form[action$='/status']").get_by_role("button", name="Change").click()
    agent.wait_for_load_state()
    assert agent.locator("h1 .status").inner_text() == "resolved"

    seller.reload()
    assert seller.locator("section.card").first.locator(".status").inner_text() == "Resolved"
    assert seller.get_by_role("heading", name="How did we do?").is_visible()
    seller.get_by_label("5 — Very happy").check()
    comment = "Hỗ trợ rất nhanh, cảm ơn các bạn nhiều!"
    seller.get_by_label("Comment (optional)").fill(comment)
    seller.get_by_role("button", name="Send rating").click()
    seller.wait_for_load_state()
    seller.get_by_text("You rated this answer 5/5").wait_for()
    assert seller.get_by_role("button", name="Send rating").count() == 0

    agent.reload()
    history = agent.locator("ol.events").inner_text()
    assert "The seller rated the answer 5 out of 5" in history and "replied to the seller" in history
    assert "changed the status from" in history and "status_changed" not in history


def test_internal_note_never_reaches_the_seller(page, staff, seller_link):
    seller = page
    description = "Shipper báo đã lấy hàng nhưng app vẫn hiện chờ lấy."
    reference = submit_ticket(seller, seller_link, tracking=unique_tracking(), description=description)

    agent = staff.login(AGENT)
    agent.goto(f"/tickets/{reference}")
    note = "NOTE-ONLY-STAFF: seller này hay khiếu nại, kiểm tra camera kho trước khi trả lời."
    agent.get_by_role("tab", name="Internal note").click()
    agent.get_by_label("Internal note").fill(note)
    agent.get_by_role("button", name="Add note").click()
    agent.wait_for_load_state()
    staff_note = agent.locator("ol.thread li.msg-note", has_text=note)
    staff_note.wait_for()
    assert "Internal note" in staff_note.inner_text()
    # a note is no answer: the first-response clock keeps running
    assert _badge_text(agent.get_by_role("heading", level=1)) == "on track"

    seller.reload()
    assert "NOTE-ONLY-STAFF" not in seller.content()
    assert "NOTE-ONLY-STAFF" not in seller.locator("body").inner_text()
    thread = seller.locator("ol.thread li")
    assert thread.count() == 1
    assert thread.first.locator(".body").inner_text() == description
    assert "We will answer by" in seller.locator(".promise").inner_text()
