"""A seller on their phone: the link, the form, a field error, a screenshot, the promise."""
from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from zoneinfo import ZoneInfo

from tests.browser.helpers import ARTIFACTS, PHONE, REFERENCE, TICKET_URL, submit_ticket, unique_tracking
from tests.files import png

PORTAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# English as CLDR writes it: '6:30 PM' today, 'Thu, 3/5, 6:30 PM' another day
PROMISE = re.compile(r"We will answer by (?:(\w{3}, \d{1,2}/\d{1,2}), )?(\d{1,2}):(\d{2})\s?([AP]M)")


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: content {widths[0]}px in a {widths[1]}px window"


def _promised_minutes_from_now(text: str, sent: dt.datetime) -> float:
    match = PROMISE.search(text)
    assert match, f"no 'We will answer by H:MM AM/PM' in {text!r}"
    day, hour, minute, half = match.groups()
    hour = int(hour) % 12 + (12 if half == "PM" else 0)
    local_sent = sent.astimezone(PORTAL_ZONE)
    candidates = [local_sent.replace(hour=hour, minute=int(minute), second=0, microsecond=0)
                  + dt.timedelta(days=d) for d in (0, 1)]
    if day is not None:
        candidates = [c for c in candidates if f"{c:%a}, {c.month}/{c.day}" == day]
        assert candidates, f"the promised day {day!r} is neither today nor tomorrow"
    else:
        candidates = candidates[:1]
    return (candidates[0] - local_sent).total_seconds() / 60


def test_seller_on_a_phone_fixes_a_field_error_and_gets_a_promise(new_page, seller_link):
    page = new_page(**PHONE)
    first, second = unique_tracking(), unique_tracking()
    typed_tracking = f"{first.lower()}, {second}"
    description = "Shipper hẹn đến lấy hàng lúc 9 giờ sáng nhưng đến giờ vẫn chưa thấy, khách đang hối đơn."

    started = time.monotonic()
    page.goto(seller_link)
    form = page.locator("form.ticket-form")
    assert form.is_visible()
    assert "Shop Hoa Mai" in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Report a problem").is_visible()
    send = form.get_by_role("button", name="Send", exact=True)
    box = send.bounding_box()
    assert box and box["height"] >= 44, f"the Send button is {box and box['height']}px tall, below 44px"
    _no_horizontal_scroll(page)

    page.get_by_label("What is the problem about?").select_option("delivery_delay")
    page.get_by_label("Tracking numbers").fill(typed_tracking)
    send.tap()

    description_field = page.locator(".field", has=page.locator("textarea#description"))
    error = description_field.locator("p.error")
    error.wait_for()
    assert error.inner_text() == "Tell us what happened."
    assert "has-error" in description_field.get_attribute("class")
    assert page.locator("#description").get_attribute("aria-describedby") == error.get_attribute("id")
    # beside the field, not only in a banner at the top: right under the text area
    area, message = page.locator("#description").bounding_box(), error.bounding_box()
    assert 0 <= message["y"] - (area["y"] + area["height"]) < 40, (area, message)
    assert page.get_by_role("alert").inner_text() == "Please correct the highlighted fields."
    assert page.locator(".field.has-error").count() == 1, "only the description is wrong"
    assert page.get_by_label("Tracking numbers").input_value() == typed_tracking
    assert page.get_by_label("What is the problem about?").input_value() == "delivery_delay"
    assert page.locator("#description").input_value() == ""
    _no_horizontal_scroll(page)

    page.get_by_label("What happened?").fill(description)
    page.get_by_label("Screenshots or PDF").set_input_files(
        {"name": "anh-chup-man-hinh.png", "mimeType": "image/png", "buffer": png(64, 48)})
    sent = dt.datetime.now(dt.UTC)
    page.locator("form.ticket-form").get_by_role("button", name="Send", exact=True).tap()
    page.wait_for_url(TICKET_URL)
    heading = page.get_by_role("heading", level=1)
    heading.wait_for()
    elapsed = time.monotonic() - started

    reference = TICKET_URL.search(page.url).group(1)
    assert heading.inner_text() == f"Ticket {reference}"
    yymm = {sent.astimezone(PORTAL_ZONE).strftime("%y%m"), sent.strftime("%y%m")}
    assert REFERENCE.fullmatch(reference) and reference[2:6] in yymm, reference
    assert elapsed < 30, f"opening the link to seeing {reference} took {elapsed:.1f} s"

    card = page.locator("section.card").first.inner_text()
    assert "handled by Pickup & delivery" in card
    assert "New" in card
    minutes = _promised_minutes_from_now(card, sent)
    assert 4 * 60 - 2 <= minutes <= 4 * 60 + 1, f"the promise is {minutes:.0f} min away, not 4 hours"
    for number in (first, second):
        assert page.locator("code", has_text=number).first.is_visible()

    thread = page.locator("ol.thread li")
    assert thread.count() == 1
    assert thread.first.locator(".body").inner_text() == description
    assert thread.first.get_by_role("link", name="anh-chup-man-hinh.png").is_visible()
    _no_horizontal_scroll(page)
    reply_box = page.get_by_role("button", name="Send reply").bounding_box()
    assert reply_box and reply_box["height"] >= 44


def test_seller_page_renders_vietnamese(new_page, portal):
    name = "Cửa hàng Bình An"  # DEMO-002 in the demo data
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")
    description = "Đơn gấp cho khách ở Đà Nẵng: shipper chưa đến lấy hàng, nhờ kiểm tra giúp ạ. Cảm ơn nhiều!"

    page.goto(portal.seller_link("DEMO-002"))
    assert page.evaluate("document.characterSet") == "UTF-8"
    assert name in page.title()
    shop_line = page.locator("main p.muted").first.inner_text()
    assert shop_line.startswith(name), shop_line
    assert unicodedata.normalize("NFC", shop_line) == shop_line

    reference = submit_ticket(page, page.url, description=description, tracking=unique_tracking())
    body = page.locator("main").inner_text()
    assert page.locator("ol.thread li .body").first.inner_text() == description
    for mojibake in ("Ã", "á»", "Ä‘", "\ufffd", "&#"):
        assert mojibake not in body, f"{mojibake!r} on the page: text was decoded with the wrong charset"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seller-vietnamese-ticket.png"), full_page=True)

    page.get_by_role("link", name="← All my tickets").click()
    page.get_by_role("link", name=re.compile(reference)).wait_for()
    assert name in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "seller-vietnamese.png"), full_page=True)

    demo_page = new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
    demo_page.goto(portal.seller_link("DEMO-001"))
    assert "Shop Hoa Mai" in demo_page.locator("main").text_content()
