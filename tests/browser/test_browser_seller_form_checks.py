"""A seller on a phone: the form checks chosen files before anything is uploaded, saying what the
server would say, and marks tracking numbers required for the categories that need them; after a
person answered, the rating scale is easy to tap and marks the ticket's reply new until opened."""
from __future__ import annotations

import re

from tests.browser.helpers import PHONE, TICKET_URL, submit_ticket, unique_tracking
from tests.files import png

AGENT = "agent1.delivery@demo.test"
DESCRIPTION = "Khách báo chưa nhận được hàng dù trạng thái đã giao, nhờ kiểm tra giúp."


def _posts(page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    return sent


def _fill(page, tracking: str) -> None:
    page.get_by_label("What is the problem about?").select_option("delivery_delay")
    page.get_by_label("Tracking numbers").fill(tracking)
    page.get_by_label("What happened?").fill(DESCRIPTION)


def _refused_without_a_request(page, sent: list[str], message: str) -> None:
    error = page.locator("#attachments-client-error")
    error.wait_for()
    assert error.inner_text() == message
    assert error.get_attribute("role") == "alert"
    assert "attachments-client-error" in page.locator("#attachments").get_attribute("aria-describedby")
    send = page.locator("form.ticket-form").get_by_role("button", name="Send", exact=True)
    send.tap()
    page.wait_for_timeout(300)
    assert sent == [], f"the form was sent: {sent}"
    assert not TICKET_URL.search(page.url)
    assert send.is_enabled(), "the Send button stays usable after a refused file"
    assert error.inner_text() == message


def test_files_are_checked_before_upload_with_the_servers_words(new_page, seller_link):
    page = new_page(**PHONE, lang="en")
    page.goto(seller_link)
    sent = _posts(page)
    max_bytes = int(page.locator("#form-checks").get_attribute("data-max-bytes"))
    assert max_bytes == 10 * 1024 * 1024  # UPLOAD_MAX_MB of a server with no setting
    _fill(page, unique_tracking())
    files = page.get_by_label("Screenshots or PDF")

    files.set_input_files({"name": "man-hinh lon.png", "mimeType": "image/png",
                           "buffer": png(8, 8) + b"\0" * max_bytes})
    _refused_without_a_request(page, sent, "man-hinh lon is larger than 10 MB.")

    # named a PNG, but not one inside: the server goes by the content, and so does the check
    files.set_input_files({"name": "hoa-don.png", "mimeType": "image/png", "buffer": b"MZ\x90\x00 a program"})
    _refused_without_a_request(page, sent, "hoa-don is not a screenshot (PNG, JPEG, GIF, WebP) or a PDF.")

    files.set_input_files({"name": "anh.png", "mimeType": "image/png", "buffer": png(64, 48)})
    page.locator("#attachments-client-error").wait_for(state="detached")
    assert page.locator("#attachments").get_attribute("aria-invalid") is None
    page.locator("form.ticket-form").get_by_role("button", name="Send", exact=True).tap()
    page.wait_for_url(TICKET_URL)
    assert len(sent) == 1 and sent[0].endswith("/tickets")
    assert page.locator("ol.thread").get_by_role("link", name="anh.png").count() == 1


def test_the_check_speaks_the_pages_language(new_page, seller_link):
    page = new_page(**PHONE, lang="vi")
    page.goto(seller_link)
    sent = _posts(page)
    page.locator("#attachments").set_input_files({"name": "tep.pdf", "mimeType": "application/pdf",
                                                   "buffer": b"%PDX not really"})
    error = page.locator("#attachments-client-error")
    error.wait_for()
    assert error.inner_text() == "tep không phải ảnh chụp màn hình (PNG, JPEG, GIF, WebP) hoặc PDF."
    assert sent == []


def test_tracking_numbers_are_marked_required_for_the_categories_that_need_them(new_page, seller_link):
    page = new_page(**PHONE, lang="en")
    page.goto(seller_link)
    category, tracking = page.get_by_label("What is the problem about?"), page.locator("#tracking_numbers")
    mark = page.locator("label[for=tracking_numbers] .required-mark")
    expected = {"delivery_delay": True, "order_return_status": True, "finance": False, "app_bug": False,
                "other": False}
    for choice, required in [("delivery_delay", True), *expected.items(), ("delivery_delay", True)]:
        category.select_option(choice)
        assert mark.is_visible() is required, choice
        assert tracking.get_attribute("aria-required") == ("true" if required else "false"), choice
        assert (tracking.get_attribute("required") is not None) is required, choice
    assert mark.inner_text() == "(required)"
    assert page.get_by_label("Tracking numbers (required)").count() == 1, "the marker is part of the label"
    box = mark.bounding_box()
    assert box and box["x"] + box["width"] <= 390, "the marker fits the phone's width"


def test_the_marker_in_vietnamese(new_page, seller_link):
    page = new_page(**PHONE, lang="vi")
    page.goto(seller_link)
    assert page.locator("label[for=tracking_numbers] .required-mark").inner_text() == "(bắt buộc)"


def test_a_staff_answer_is_new_until_opened_and_the_rating_is_easy_to_tap(new_page, staff, seller_link):
    seller = new_page(**PHONE, lang="en")
    reference = submit_ticket(seller, seller_link, tracking=unique_tracking(), description=DESCRIPTION)
    assert seller.get_by_role("heading", name="How did we do?").count() == 0

    agent = staff.login(AGENT)
    agent.goto(f"/tickets/{reference}")
    agent.get_by_label("Reply to seller").fill("Bên mình đã kiểm tra, bưu tá sẽ gọi lại khách hôm nay.")
    agent.get_by_role("button", name="Send reply").click()
    agent.wait_for_load_state()
    agent.get_by_label("Status").select_option("resolved")
    agent.locator("form[action$='/status']").get_by_label("Resolution reason").select_option("carrier_delay")
    agent.locator("form[action$='/status']").get_by_role("button", name="Change").click()
    agent.wait_for_load_state()

    seller.goto(seller_link)
    row = seller.locator("ul.ticket-list li", has=seller.get_by_role("link", name=re.compile(reference)))
    assert row.locator(".badge-new").inner_text() == "New reply"
    row.get_by_role("link").tap()
    seller.wait_for_url(TICKET_URL)
    scale = seller.get_by_role("group", name="How satisfied are you?")
    assert scale.get_by_role("radio").count() == 5
    for n, words in enumerate(["Very unhappy", "Unhappy", "Neither happy nor unhappy", "Happy", "Very happy"], 1):
        choice = seller.get_by_label(f"{n} — {words}")
        box = scale.locator("label", has=choice).bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, f"{n}: {box}"
    widths = seller.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], "the ticket page scrolls sideways on a phone"
    seller.get_by_text("4 — Happy").tap()
    seller.get_by_role("button", name="Send rating").tap()
    seller.get_by_text("You rated this answer 4/5").wait_for()

    seller.goto(seller_link)
    row = seller.locator("ul.ticket-list li", has=seller.get_by_role("link", name=re.compile(reference)))
    assert row.locator(".badge-new").count() == 0, "opened: no longer new"
