"""An agent's ticket workspace in Vietnamese on a 1,366 px screen: open a ticket from the queue, read the
side panel beside the thread, `r` to write the reply, "Send and wait for the seller", `j` to the next
ticket of the queue, `n` and Ctrl+Enter for a note, and `?` for the shortcuts' help; axe on each page."""
from __future__ import annotations

import re

from tests.browser.axe_check import assert_accessible
from tests.browser.helpers import ARTIFACTS, PHONE, submit_ticket, unique_tracking

AGENT = "agent1.delivery@demo.test"
SCREEN = {"width": 1366, "height": 768}


def test_an_agent_works_through_the_queue_with_the_keyboard(new_page, staff, seller_link):
    seller = new_page(**PHONE)
    tracking = unique_tracking()
    first = submit_ticket(seller, seller_link, tracking=tracking, description="Shipper chưa đến lấy hàng từ hôm qua.")
    second = submit_ticket(seller, seller_link, tracking=unique_tracking(), description="Đơn thứ hai cũng chưa lấy.")

    agent = staff.login(AGENT)
    agent.context.add_cookies([{"name": "lang", "value": "vi", "url": agent.url}])
    agent.set_viewport_size(SCREEN)
    agent.goto(f"/inbox?q={tracking}")
    assert_accessible(agent, "the queue (vi)")
    agent.locator("table.queue").get_by_role("link", name=first).click()
    agent.wait_for_url(f"**/tickets/{first}")

    # two columns: the side panel stands beside the thread, not below it
    side = agent.locator("aside.ws-side")
    thread = agent.locator("ol.thread")
    assert side.bounding_box()["x"] > thread.bounding_box()["x"] + thread.bounding_box()["width"]
    assert side.bounding_box()["y"] < thread.bounding_box()["y"] + thread.bounding_box()["height"]
    panel = side.inner_text()
    for words in ("Đồng hồ SLA", "Hạn phản hồi đầu tiên", "Thuộc tính yêu cầu", "Người bán", "Shop Hoa Mai",
                  "Kiện hàng", tracking, second):
        assert words in panel, words
    assert re.search(r"\d+ ?(giờ|h)", side.locator(".countdown").inner_text()), "no live countdown"
    assert agent.get_by_role("heading", level=1).inner_text().startswith(first)
    assert_accessible(agent, "the ticket workspace (vi)")
    ARTIFACTS.mkdir(exist_ok=True)
    agent.screenshot(path=str(ARTIFACTS / "agent-workspace-vi-1366.png"), full_page=True)

    agent.locator("body").click(position={"x": 5, "y": 5})  # nothing focused: the letters are shortcuts
    agent.keyboard.press("r")
    assert agent.evaluate("document.activeElement.id") == "reply-body"
    answer = "Chào shop, bưu cục sẽ lấy hàng trong chiều nay. Shop xác nhận giúp địa chỉ kho nhé."
    agent.keyboard.type(answer)
    agent.get_by_role("button", name="Gửi và chờ người bán").click()
    agent.wait_for_url(f"**/tickets/{first}")
    agent.locator("ol.thread li.msg-staff", has_text=answer).wait_for()
    assert agent.locator("h1 .status").inner_text() == "chờ người bán"
    assert_accessible(agent, "the ticket after the reply (vi)")

    following = agent.locator("a[rel=next]")
    assert following.count() == 1, "no next ticket in the queue"
    target = following.get_attribute("href")
    agent.locator("body").click(position={"x": 5, "y": 5})
    agent.keyboard.press("j")
    agent.wait_for_url(f"**{target}")
    assert agent.locator("a[rel=prev]").count() == 1
    assert_accessible(agent, "the next ticket (vi)")

    agent.keyboard.press("n")
    assert agent.evaluate("document.activeElement.id") == "note-body"
    agent.keyboard.type("Đã gọi bưu cục, chờ phản hồi.")
    agent.keyboard.press("Control+Enter")
    agent.locator("ol.thread li.msg-note", has_text="Đã gọi bưu cục, chờ phản hồi.").wait_for()

    agent.locator("body").click(position={"x": 5, "y": 5})
    agent.keyboard.press("?")
    dialog = agent.get_by_role("dialog", name="Phím tắt")
    dialog.wait_for()
    assert "Yêu cầu tiếp theo trong hàng đợi của bạn" in dialog.inner_text()
    assert_accessible(agent, "the shortcuts' help (vi)")
    agent.screenshot(path=str(ARTIFACTS / "agent-workspace-shortcuts-vi.png"))
    agent.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    opener = agent.get_by_role("button", name="Phím tắt (?)")
    opener.click()
    dialog.wait_for()
    agent.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert agent.evaluate("document.activeElement.getAttribute('data-shortcuts-open')") is not None


def test_one_column_on_a_phone(new_page, staff, seller_link):
    seller = new_page(**PHONE)
    reference = submit_ticket(seller, seller_link, tracking=unique_tracking(), description="Hàng bị móp.")
    agent = staff.login(AGENT)
    agent.context.add_cookies([{"name": "lang", "value": "vi", "url": agent.url}])
    agent.set_viewport_size({"width": 390, "height": 844})
    agent.goto(f"/tickets/{reference}")
    side, thread = agent.locator("aside.ws-side").bounding_box(), agent.locator("ol.thread").bounding_box()
    assert side["y"] > thread["y"] and side["x"] + side["width"] <= 390
    assert agent.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    agent.screenshot(path=str(ARTIFACTS / "agent-workspace-vi-390.png"), full_page=True)
