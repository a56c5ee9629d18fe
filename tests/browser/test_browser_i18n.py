"""A Vietnamese seller on a phone gets the form in Vietnamese, sends a ticket, reads the promise in
Vietnamese, and switches to English, which is remembered."""
from __future__ import annotations

from tests.browser.helpers import PHONE, TICKET_URL, unique_tracking


def test_a_vietnamese_seller_uses_the_form_in_vietnamese_then_switches_to_english(new_page, seller_link):
    page = new_page(lang=None, **PHONE)  # nothing chosen yet: DEMO-001's own locale (vi) decides
    page.goto(seller_link)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", name="Báo cáo vấn đề").is_visible()
    form = page.locator("form.ticket-form")
    page.get_by_label("Vấn đề liên quan đến gì?").select_option("delivery_delay")
    page.get_by_label("Mã vận đơn").fill("sai!")
    page.get_by_label("Điều gì đã xảy ra?").fill("Shipper chưa đến lấy hàng từ sáng")
    form.get_by_role("button", name="Gửi", exact=True).tap()
    error = page.locator(".field", has=page.locator("textarea#tracking_numbers")).locator("p.error")
    error.wait_for()
    assert error.inner_text().startswith("Mã vận đơn không hợp lệ: SAI!.")
    assert page.get_by_role("alert").inner_text() == "Vui lòng sửa các ô được đánh dấu."

    page.get_by_label("Mã vận đơn").fill(unique_tracking())
    page.locator("form.ticket-form").get_by_role("button", name="Gửi", exact=True).tap()
    page.wait_for_url(TICKET_URL)
    promise = page.locator("p.promise").inner_text()
    assert promise.startswith("Chúng tôi sẽ trả lời trước"), promise
    assert "còn " in page.locator(".countdown").inner_text()  # the live countdown speaks Vietnamese too
    assert page.get_by_role("heading", name="Trao đổi").is_visible()

    page.get_by_role("link", name="English").tap()
    page.wait_for_url("**lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("p.promise").inner_text().startswith("We will answer by")
    page.get_by_role("link", name="All my tickets").tap()
    page.get_by_role("heading", name="Report a problem").wait_for()  # remembered on the next page
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], "the header with the language switch must fit a phone"
