"""The admin console in Vietnamese: headings, labels, hints, validator messages and flashes follow the chosen
language, while the codes a form submits stay the same; English remains the default."""
import re

import pytest

from tests.clients import FreshGClient, csrf_from

# page → (a Vietnamese text on it, the same text in English)
PAGES = {
    "/admin/": ("<h1>Quản trị</h1>", "<h1>Administration</h1>"),
    "/admin/sellers": ("<h1>Người bán</h1>", "<h1>Sellers</h1>"),
    "/admin/staff": ("<h1>Nhân viên</h1>", "<h1>Staff</h1>"),
    "/admin/departments": ("<h1>Bộ phận</h1>", "<h1>Departments</h1>"),
    "/admin/departments/delivery": ("<h2>Lịch làm việc</h2>", "<h2>Business calendar</h2>"),
    "/admin/policies": ("<h1>Chính sách SLA</h1>", "<h1>SLA policies</h1>"),
    "/admin/routing": ("<h1>Quy tắc phân luồng</h1>", "<h1>Routing rules</h1>"),
    "/admin/audit": ("<h1>Nhật ký thay đổi</h1>", "<h1>Audit log</h1>"),
    "/admin/canned": ("<h1>Mẫu trả lời</h1>", "<h1>Canned replies</h1>"),
    "/admin/webhooks": ("<h1>Webhook</h1>", "<h1>Webhooks</h1>"),
}


def lang_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)">', html).group(1)


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return client


@pytest.fixture
def vi(admin):
    """The admin after choosing Vietnamese with the switch (remembered in the `lang` cookie)."""
    assert lang_of(admin.get("/admin/?lang=vi").get_data(as_text=True)) == "vi"
    return admin


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_speak_vietnamese_once_chosen(vi, path):
    response = vi.get(path)
    html = response.get_data(as_text=True)
    vietnamese, english = PAGES[path]
    assert response.status_code == 200 and lang_of(html) == "vi"
    assert vietnamese in html and english not in html


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_stay_english_by_default(admin, path):
    html = admin.get(path).get_data(as_text=True)
    vietnamese, english = PAGES[path]
    assert lang_of(html) == "en" and english in html and vietnamese not in html


def test_the_lang_cookie_alone_chooses_vietnamese(admin):
    admin.set_cookie("lang", "vi")
    html = admin.get("/admin/sellers").get_data(as_text=True)
    assert lang_of(html) == "vi" and "Thêm người bán" in html and "Add a seller" not in html
    assert "20 người bán." in html and "Mã người bán" in html  # the count and a form label


def test_a_fresh_english_browser_gets_english(app, demo):
    app.test_client_class = FreshGClient
    fresh = app.test_client()
    html = fresh.get("/login").get_data(as_text=True)
    fresh.post("/login", data={"email": "admin@demo.test", "password": "demo-password-2026",
                               "csrf_token": csrf_from(html)})
    page = fresh.get("/admin/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert lang_of(page) == "en" and "Administration" in page and "Quản trị" not in page


def test_options_keep_their_codes_and_only_the_labels_change(vi):
    html = vi.get("/admin/policies").get_data(as_text=True)
    assert '<option value="*">mọi mức ưu tiên</option>' in html
    assert '<option value="high">cao</option>' in html and '<option value="urgent">khẩn</option>' in html
    department = vi.get("/admin/departments/delivery").get_data(as_text=True)
    assert 'value="24/7"' in department and "Mở cửa 24/7" in department and "Thứ Hai" in department
    webhooks = vi.get("/admin/webhooks").get_data(as_text=True)
    assert 'value="ticket_created"' in webhooks and "Tạo yêu cầu — người bán đã mở một yêu cầu" in webhooks


def test_validator_messages_are_vietnamese_and_escaped(vi):
    token = csrf_from(vi.get("/admin/departments/delivery").get_data(as_text=True))
    refused = vi.post("/admin/departments/delivery", data={"csrf_token": token, "name": ""})
    assert refused.status_code == 422 and "Hãy nhập tên bộ phận." in refused.get_data(as_text=True)
    days = vi.post("/admin/routing", data={"csrf_token": token, "rules_json": "{}", "days": "0"})
    assert days.status_code == 422 and "Hãy chọn từ 1 đến 365 ngày." in days.get_data(as_text=True)
    english = vi.post("/admin/departments/delivery?lang=en", data={"csrf_token": token, "name": ""})
    assert "Enter the department&#39;s name." in english.get_data(as_text=True)


def test_flash_messages_are_vietnamese_plain_strings(vi):
    token = csrf_from(vi.get("/admin/sellers").get_data(as_text=True))
    added = vi.post("/admin/sellers", data={"csrf_token": token, "code": "MOI-1", "name": "Cửa hàng Mới",
                                            "phone": "", "locale": "vi"})
    assert added.status_code == 303
    detail = vi.get(added.headers["Location"]).get_data(as_text=True)
    assert "Đã thêm người bán MOI-1. Hãy gửi cho họ đường dẫn bên dưới." in detail
    # a refused confirmation flashes a validator's (lazy) message: it must still fit in the session
    refused = vi.post("/admin/sellers/import/confirm", data={"csrf_token": token})
    assert refused.status_code == 422 and "Không tìm thấy lần nhập này: hãy tải tệp lên lại." in \
        refused.get_data(as_text=True)
    canned = vi.post("/admin/canned", data={"csrf_token": token, "department": "delivery", "title": "Hẹn lấy lại",
                                            "body": "Chào {seller_name}."})
    assert canned.status_code == 303
    assert "Đã thêm mẫu trả lời “Hẹn lấy lại”." in vi.get("/admin/canned").get_data(as_text=True)


def test_managers_read_vietnamese_too(client, demo, auth):
    assert auth.login("manager@demo.test").status_code == 303
    html = client.get("/admin/routing?lang=vi").get_data(as_text=True)
    assert "Bạn chỉ được xem; chỉ quản trị viên mới được thay đổi quy tắc." in html
    refused = client.post("/admin/canned?lang=vi", data={"csrf_token": csrf_from(html)})
    assert refused.status_code == 403
    assert "Chỉ quản trị viên mới được thay đổi mục này; quản lý chỉ được xem." in refused.get_data(as_text=True)
