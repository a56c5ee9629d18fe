"""Every kind of page, as sellers and staff open them, free of WCAG 2.1 A/AA violations (axe-core), in
Vietnamese and in English: the seller's link page, status check and ticket on a phone, and the staff's
inbox, ticket, notifications, reports and admin pages on a desktop."""
from __future__ import annotations

import pytest

from tests.browser.axe_check import assert_accessible
from tests.browser.helpers import PHONE, submit_ticket, unique_tracking

STAFF_PAGES = ("/inbox", "/notifications", "/reports", "/admin/", "/admin/staff", "/admin/sellers",
               "/admin/departments", "/admin/routing", "/admin/policies", "/admin/canned", "/admin/webhooks",
               "/admin/api-tokens", "/admin/integration-tokens", "/admin/notifications", "/admin/audit",
               "/admin/reasons")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_seller_pages_on_a_phone(new_page, seller_link, lang):
    page = new_page(lang=lang, **PHONE)
    page.goto(seller_link)
    assert_accessible(page, f"the seller's link page ({lang})")
    page.goto(f"{seller_link}/status?tracking=NVDEMO0001&category=delivery_delay")
    assert_accessible(page, f"the status page ({lang})")
    if lang == "en":
        submit_ticket(page, seller_link, tracking=unique_tracking(), description="Đơn chưa giao, cần kiểm tra.")
        assert_accessible(page, "the seller's ticket page")
        page.goto(f"{seller_link}/tickets")
        assert_accessible(page, "the seller's ticket list")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_staff_and_admin_pages(staff, seller_link, new_page, lang):
    reference = submit_ticket(new_page(**PHONE), seller_link, tracking=unique_tracking(),
                              description="Khách báo chưa nhận được hàng.")
    admin = staff.login("admin@demo.test")
    admin.context.add_cookies([{"name": "lang", "value": lang, "url": admin.url}])
    for path in STAFF_PAGES + (f"/tickets/{reference}",):
        response = admin.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        assert_accessible(admin, f"{path} ({lang})")
