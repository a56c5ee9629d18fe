"""A new administrator sets the portal up in the browser, from an empty database and the README:
departments, staff, 1,000 sellers imported from a CSV with a few bad rows, a routing rule edited
after its back-test, and links handed out to sellers."""
from __future__ import annotations

import csv
import io
import json
import re

from tests.browser.helpers import PHONE, STAFF_PASSWORD, TICKET_URL, unique_tracking

ADMIN = "first.admin@example.vn"
DEPARTMENTS = [("delivery", "Pickup & delivery", "Lấy & giao hàng"), ("returns", "Returns", "Hoàn hàng"),
               ("finance", "Finance", "Tài chính"), ("apps", "Seller apps", "Ứng dụng"),
               ("triage", "Triage", "Phân loại")]
BAD_ROWS = [("SHOP-BAD-1", "", "0901234567", "vi"), ("SHOP-BAD-2", "Shop số điện thoại sai", "12", "vi"),
            ("SHOP-BAD-3", "Shop ngôn ngữ lạ", "0901234567", "fr")]


def _sellers_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "phone", "locale"])
    for n in range(1, 1001):
        writer.writerow([f"SHOP-{n:04d}", f"Cửa hàng Số {n}", f"09{n:08d}", "vi" if n % 3 else "en"])
        if n in (10, 500, 900):
            writer.writerow(BAD_ROWS[(10, 500, 900).index(n)])
    return out.getvalue().encode("utf-8")


def _login(new_page, portal):
    page = new_page(base_url=portal.base_url, viewport={"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/inbox(\?.*)?$"))
    return page


def _seller_ticket(new_page, link: str, description: str) -> str:
    phone = new_page(**PHONE)
    phone.goto(link)
    phone.get_by_label("What is the problem about?").select_option("other")
    phone.get_by_label("Tracking numbers").fill(unique_tracking())
    phone.get_by_label("What happened?").fill(description)
    phone.locator("form.ticket-form").get_by_role("button", name="Send", exact=True).tap()
    phone.wait_for_url(TICKET_URL)
    return TICKET_URL.search(phone.url).group(1)


def test_a_new_admin_sets_up_the_portal_in_the_browser(new_page, empty_portal):
    admin = _login(new_page, empty_portal)
    admin.get_by_role("link", name="Admin", exact=True).click()
    admin.get_by_role("link", name="Departments").click()
    # waits for the page the click opens (a check made at once may still see the one before)
    admin.get_by_text("No departments yet").wait_for()

    for code, name, name_vi in DEPARTMENTS:  # departments
        admin.goto("/admin/departments")
        admin.get_by_label("Code").fill(code)
        admin.get_by_label("Name (English)").fill(name)
        admin.get_by_label("Name (Vietnamese)").fill(name_vi)
        admin.get_by_role("button", name="Add department").click()
        admin.wait_for_url(f"**/admin/departments/{code}")
    admin.goto("/admin/departments")
    assert admin.locator("table.queue tbody tr").count() == len(DEPARTMENTS)

    admin.goto("/admin/staff")  # staff
    admin.get_by_label("E-mail").fill("lan.finance@example.vn")
    admin.get_by_label("Name").fill("Nguyễn Thị Lan")
    admin.get_by_label("Role").select_option("agent")
    admin.locator("#add").get_by_label("finance").check()
    admin.get_by_label("Initial password").fill("mat-khau-rat-dai-2026")
    admin.get_by_role("button", name="Add", exact=True).click()
    admin.wait_for_load_state()
    assert "Nguyễn Thị Lan" in admin.locator("main").inner_text()

    admin.goto("/admin/sellers")  # 1,000 sellers and three bad rows
    admin.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "nguoi-ban.csv", "mimeType": "text/csv", "buffer": _sellers_csv()})
    admin.get_by_role("button", name="Preview import").click()
    admin.get_by_role("heading", name="Import preview").wait_for()
    counts = admin.locator("ul.import-counts").inner_text()
    assert "1,000 to add" in counts.replace("\n", " ") and "3 rejected" in counts.replace("\n", " "), counts
    rejected = admin.locator("#rejected").inner_text()
    assert all(code in rejected for code, *_ in BAD_ROWS), rejected
    admin.goto("/admin/sellers")
    assert "0 sellers" in admin.locator("main").inner_text()  # nothing written before the confirmation
    admin.go_back()
    admin.get_by_role("button", name="Import 1,000 sellers").click()
    admin.wait_for_load_state()
    admin.goto("/admin/sellers")
    assert "1,000 sellers" in admin.locator("main").inner_text()

    admin.get_by_label("Code, name or phone").fill("SHOP-0007")  # hand out a link
    admin.get_by_role("button", name="Search").click()
    admin.get_by_role("link", name="SHOP-0007").click()
    if admin.locator("details.seller-link").get_attribute("open") is None:
        admin.locator("details.seller-link summary").click()
    link = admin.locator("#seller-link").input_value()
    assert link.startswith(empty_portal.base_url + "/s/")
    assert admin.get_by_role("img", name=re.compile("QR code")).is_visible()
    with admin.expect_download() as download:
        admin.goto("/admin/sellers")
        admin.get_by_role("button", name="Download CSV").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert len(exported.strip().splitlines()) == 1001 and link in exported

    before = _seller_ticket(new_page, link, "Tôi cần xuất hóa đơn VAT cho tháng 10")  # routed by the file's rules
    admin.goto(f"/tickets/{before}")
    assert "Sent to Finance by rule refund-invoice" in admin.locator("main").inner_text()

    admin.goto("/admin/routing")  # a routing rule changed after its back-test, in the JSON editor for experts
    admin.locator("summary", has_text="Edit as JSON").click()
    expert = admin.locator("form", has=admin.get_by_label("Rules (JSON)"))
    rules = json.loads(expert.get_by_label("Rules (JSON)").input_value())
    refund = next(rule for rule in rules["rules"] if rule["id"] == "refund-invoice")
    refund["keywords_any"] = [k for k in refund["keywords_any"] if k not in ("hóa đơn", "invoice", "VAT")]
    expert.get_by_label("Rules (JSON)").fill(json.dumps(rules, ensure_ascii=False, indent=2))
    expert.get_by_label("Comment").fill("Hóa đơn đi qua phân loại trước")
    expert.get_by_role("button", name="Preview the change").click()
    backtest = admin.locator("#backtest").inner_text()
    assert "1 ticket from Finance to Triage" in backtest and before in backtest, backtest
    admin.get_by_role("button", name="Confirm and save as the next version").click()
    admin.wait_for_url("**/admin/routing**")
    assert "v1" in admin.locator("main").inner_text()

    after = _seller_ticket(new_page, link, "Tôi cần xuất hóa đơn VAT cho tháng 11")
    admin.goto(f"/tickets/{after}")
    routing_line = admin.locator("p", has_text="Routing:").inner_text()
    assert routing_line == "Routing: Sent to Triage, where tickets go when no rule matches (Other) (rules v1)", \
        routing_line
    admin.goto("/admin/audit")
    log = admin.locator("main").inner_text()
    for action in ("Department added", "Staff member added", "Seller imported", "Routing rules saved",
                   "Seller links exported", "saved the routing rules as v1"):
        assert action in log, action
