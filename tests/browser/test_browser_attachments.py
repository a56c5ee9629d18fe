"""Files in the thread, in real browsers: an agent attaches a photo to a reply, the seller sees its
thumbnail on a phone (loaded, within the screen) and opens the file; a note's file never shows."""
from __future__ import annotations

import io

from PIL import Image

from tests.browser.helpers import PHONE, submit_ticket, unique_tracking

AGENT = "agent1.delivery@demo.test"


def _photo(path, size=(1600, 1200)) -> str:
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_staff_photo_is_a_thumbnail_for_the_seller_and_a_notes_file_is_not(new_page, staff, seller_link, tmp_path):
    seller = new_page(**PHONE)
    reference = submit_ticket(seller, seller_link, tracking=unique_tracking(), description="Hàng bị móp, xem giúp.")

    agent = staff.login(AGENT)
    agent.goto(f"/tickets/{reference}")
    agent.get_by_role("tab", name="Internal note").click()
    agent.get_by_label("Internal note").fill("Ảnh kho, chỉ nội bộ")
    agent.locator("#note-files").set_input_files(_photo(tmp_path / "kho-noi-bo.jpg"))
    agent.get_by_role("button", name="Add note").click()
    agent.locator("ol.thread li.msg-note img[alt='kho-noi-bo.jpg']").wait_for()

    agent.get_by_role("tab", name="Public reply").click()
    agent.get_by_label("Reply to seller").fill("Ảnh bưu cục chụp lúc nhận hàng")
    agent.get_by_label("Add screenshots or PDF").first.set_input_files(_photo(tmp_path / "buu-cuc.jpg"))
    agent.get_by_role("button", name="Send reply").click()
    agent.locator("ol.thread li.msg-staff img[alt='buu-cuc.jpg']").wait_for()

    seller.reload()
    thumb = seller.locator("ol.thread img[alt='buu-cuc.jpg']")
    thumb.scroll_into_view_if_needed()
    thumb.wait_for()
    seller.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    box = thumb.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert "kho-noi-bo" not in seller.content()
    with seller.expect_download() as download:
        thumb.click()
    assert download.value.suggested_filename == "buu-cuc.jpg"
