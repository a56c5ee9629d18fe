"""An agent's day in Vietnamese on a 1,366 px screen, over real HTTP: the seller's screenshot previewed in
the thread, a reply with a file that waits for the seller, a duplicate merged by a reference typed in
lower case, a bulk assignment through the picker, a ticket resolved with a reason, and a transfer that
lands on the inbox saying where the ticket went. axe-core checks every page; the screenshots stay in
test-artifacts/."""
from __future__ import annotations

from tests.browser.axe_check import assert_accessible
from tests.browser.helpers import ARTIFACTS, PHONE, TICKET_URL, unique_tracking
from tests.files import png

LEAD = "lead.delivery@demo.test"
SCREEN = {"width": 1366, "height": 768}


def _send(seller, link: str, description: str, files: list[dict] | None = None) -> str:
    seller.goto(link)
    seller.select_option("select[name=category]", "delivery_delay")
    seller.fill("[name=tracking_numbers]", unique_tracking())
    seller.fill("[name=description]", description)
    if files:
        seller.set_input_files("input[name=attachments]", files=files)
    seller.get_by_role("button", name="Gửi", exact=True).click()
    seller.wait_for_url(TICKET_URL)
    return TICKET_URL.search(seller.url).group(1)


def test_an_agents_day_in_vietnamese(new_page, staff, seller_link):
    seller = new_page(lang="vi", **PHONE)
    screenshot = {"name": "man-hinh-loi.png", "mimeType": "image/png", "buffer": png(64, 40)}
    first = _send(seller, seller_link, "Shipper báo đã lấy hàng nhưng app vẫn hiện chờ lấy.", [screenshot])
    duplicate = _send(seller, seller_link, "Gửi lại: đơn vẫn chờ lấy.")
    moving = _send(seller, seller_link, "Tiền COD của đơn này chưa về.")
    bulk = _send(seller, seller_link, "Đơn thứ tư cần người xử lý.")

    lead = staff.login(LEAD)
    lead.context.add_cookies([{"name": "lang", "value": "vi", "url": lead.url}])
    lead.set_viewport_size(SCREEN)
    ARTIFACTS.mkdir(exist_ok=True)

    # the screenshot is previewed in the thread, a thumbnail linking to the file
    lead.goto(f"/tickets/{first}")
    thumb = lead.locator("ol.thread img").first
    thumb.wait_for()
    # the thumbnail loads lazily (after the page's load event): wait for it to decode, a broken one never does
    lead.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.get_attribute("alt") == "man-hinh-loi.png"
    assert_accessible(lead, "the ticket with a screenshot (vi)")

    # a reply with a file, waiting for the seller
    lead.fill("#reply-body", "Shop gửi giúp ảnh phiếu giao hàng có chữ ký nhé, mẫu đính kèm.")
    lead.set_input_files("#reply-files", files=[{"name": "mau-phieu.png", "mimeType": "image/png",
                                                   "buffer": png(20, 20)}])
    lead.get_by_role("button", name="Gửi và chờ người bán").click()
    lead.wait_for_url(f"**/tickets/{first}")
    staff_reply = lead.locator("ol.thread li.msg-staff").last
    assert "mau-phieu.png" in staff_reply.inner_html()
    assert lead.locator("h1 .status").inner_text() == "chờ người bán"
    lead.screenshot(path=str(ARTIFACTS / "agent-day-reply-vi-1366.png"), full_page=True)

    # the duplicate merged by a reference typed in lower case
    lead.goto(f"/tickets/{duplicate}")
    lead.get_by_text("Gộp vào yêu cầu khác").click()
    lead.fill("form[action$='/merge'] input[name=into]", first.lower())
    lead.locator("form[action$='/merge'] button[type=submit]").click()
    lead.wait_for_url(f"**/tickets/{duplicate}")
    assert lead.locator("h1 .status").inner_text() == "đã đóng"
    assert_accessible(lead, "the merged ticket (vi)")

    # a bulk assignment with the picker: the bar appears once a row is selected
    lead.goto(f"/inbox?q={bulk}")
    bar = lead.locator("#bulk")
    assert bar.is_hidden()
    lead.locator(f"input[name=refs][value='{bulk}']").check()
    bar.wait_for()
    bar.locator("select[name=action]").select_option("assign")
    bar.locator("select[name=assignee]").select_option(label="Agent 2 Delivery")
    bar.get_by_role("button", name="Áp dụng").click()
    lead.locator(".banner.success").wait_for()
    assert "1" in lead.locator(".banner.success").inner_text()
    assert_accessible(lead, "the queue after a bulk assignment (vi)")
    lead.screenshot(path=str(ARTIFACTS / "agent-day-queue-vi-1366.png"), full_page=True)

    # resolved with a reason from the list
    lead.goto(f"/tickets/{bulk}")
    status_form = lead.locator("form[action$='/status']")
    status_form.locator("select[name=status]").select_option("resolved")
    status_form.locator("select[name=reason]").select_option(label="Hãng vận chuyển giao chậm")
    status_form.locator("button[type=submit]").click()
    lead.wait_for_url(f"**/tickets/{bulk}")
    assert lead.locator("h1 .status").inner_text() == "đã giải quyết"
    assert "Hãng vận chuyển giao chậm" in lead.locator("ol.events").inner_text()

    # a transfer out of the lead's departments lands on the inbox, saying where the ticket went
    lead.goto(f"/tickets/{moving}")
    lead.get_by_text("Chuyển sang bộ phận khác").click()
    lead.locator("form[action$='/transfer'] select[name=department]").select_option(label="Tài chính")
    lead.fill("form[action$='/transfer'] textarea[name=reason]", "Hỏi về tiền COD")
    lead.locator("form[action$='/transfer'] button[type=submit]").click()
    lead.wait_for_url("**/inbox")
    assert lead.locator(".banner.success").inner_text() == "Đã chuyển sang Tài chính."
    assert_accessible(lead, "the inbox after a transfer (vi)")
    lead.screenshot(path=str(ARTIFACTS / "agent-day-transfer-vi-1366.png"), full_page=True)

    # the seller sees the staff file on their phone
    seller.goto(f"{seller_link}/tickets/{first}")
    assert "mau-phieu.png" in seller.locator("ol.thread, .thread").first.inner_html()
