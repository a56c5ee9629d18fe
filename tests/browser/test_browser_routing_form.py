"""The routing rules' form editor in Vietnamese, in a browser: rows added, filled and moved, a mistake shown
beside its field, the preview of the rules the rows make, and the seller's printable QR card; every page
axe-checked (WCAG 2.1 A/AA)."""
from __future__ import annotations

import json
import re

from tests.browser.axe_check import assert_accessible
from tests.browser.helpers import PHONE, STAFF_PASSWORD


def test_an_admin_edits_the_routing_rules_as_a_form_in_vietnamese(staff):
    admin = staff.login("admin@demo.test")
    admin.context.add_cookies([{"name": "lang", "value": "vi", "url": admin.url}])
    admin.goto("/admin/routing")
    assert admin.locator("h1").inner_text() == "Quy tắc phân luồng"
    assert "“hoàn tiền” cũng tìm thấy “hoan tien”" in admin.locator("form.rule-rows").inner_text()
    assert_accessible(admin, "the routing rules' form (vi)")
    rows = admin.locator("fieldset.rule-row")
    count = rows.count()

    # a new row, left empty: the preview refuses it, with the message beside the field
    admin.get_by_role("button", name="Thêm quy tắc").click()
    admin.wait_for_load_state()
    assert rows.count() == count + 1
    new = count  # index of the new row
    admin.locator("form.rule-rows button.primary").click()
    admin.wait_for_load_state()
    assert admin.locator(f"#rows-rules-{new}-id-error").inner_text() == "Hãy đặt tên cho quy tắc."
    assert admin.locator(f"#rows-rules-{new}-id").get_attribute("aria-describedby") == \
        f"rows-rules-{new}-id-hint rows-rules-{new}-id-error"
    assert_accessible(admin, "the routing rules' form with mistakes (vi)")

    # filled in: a refund rule for 'other', moved to the top, then previewed
    admin.locator(f"#rows-rules-{new}-id").fill("hoan-tien-gap")
    admin.locator(f"#rows-rules-{new}-categories-4").check()  # other
    admin.locator(f"#rows-rules-{new}-keywords").fill("hoàn tiền gấp\nrefund now")
    # shown as typed (and by the server after the next post-back)
    assert admin.locator(f"#rule-{new} .keyword-forms").inner_text() == "Cũng khớp với: hoàn tiền gấp = hoan tien gap"
    admin.locator(f"#rows-rules-{new}-department").select_option("finance")
    admin.locator(f"#rows-rules-{new}-priority").select_option("urgent")
    admin.get_by_role("button", name=f"Chuyển quy tắc {new + 1} lên").click()
    admin.wait_for_load_state()
    assert admin.locator(f"#rows-rules-{new - 1}-id").input_value() == "hoan-tien-gap"
    assert "hoan tien gap" in admin.locator(f"#rule-{new - 1}").inner_text()  # what it also matches
    admin.locator("form.rule-rows button.primary").click()
    admin.wait_for_url(re.compile(r"/admin/routing/form$"))
    assert admin.locator("h1").count() == 1
    carried = json.loads(admin.locator('#confirm input[name="rules_json"]').input_value())
    assert carried["rules"][new - 1] == {"id": "hoan-tien-gap", "department": "finance", "priority": "urgent",
                                         "categories": ["other"], "keywords_any": ["hoàn tiền gấp", "refund now"]}
    assert_accessible(admin, "the preview of the form's rules (vi)")


def test_the_printable_qr_card_in_vietnamese(staff):
    admin = staff.login("admin@demo.test")
    admin.context.add_cookies([{"name": "lang", "value": "vi", "url": admin.url}])
    admin.goto("/admin/sellers?q=DEMO-001")
    admin.locator("a", has_text="DEMO-001").first.click()
    admin.get_by_role("link", name="Thẻ in có tên shop").click()
    admin.wait_for_url(re.compile(r"/card$"))
    card = admin.locator("article.link-card")
    assert "Quét mã QR" in card.inner_text() and "/s/" in card.inner_text()
    assert admin.locator("article.link-card img").evaluate("img => img.naturalWidth > 0")
    assert_accessible(admin, "the printable card (vi)")
    admin.emulate_media(media="print")
    assert not admin.locator("header.top").is_visible() and card.is_visible()


def test_the_routing_form_and_the_card_fit_a_phone(new_page):
    page = new_page(lang="vi", **PHONE)
    page.goto("/login")
    page.get_by_label("E-mail").fill("admin@demo.test")
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/inbox(\?.*)?$"))
    for path, part in (("/admin/routing", "form.rule-rows"), ("/admin/sellers/1/card", "article.link-card")):
        assert page.goto(path).status == 200
        assert page.locator(part).count() == 1
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
