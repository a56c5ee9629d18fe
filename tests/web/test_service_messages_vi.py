"""Messages the services build (refusals, import rejection reasons, calendar summaries, flashes) come
out in the page's language: Vietnamese with `?lang=vi`, English otherwise, and still escaped where they
carry what someone typed. Machine words in them (field names, codes) stay as they are."""
import datetime as dt
import html as html_lib
import io
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Department, Ticket, User
from portal.services import departments, links, sellers
from portal.services.runtime import runtime
from tests import factories
from tests.clients import csrf_from
from tests.files import png

BAD_ROWS_CSV = ("\ufeffcode,name,phone,locale\n"
                "IMP-1,Shop Một,0901111111,vi\n"
                "IMP-2,,0902222222,vi\n"
                "IMP-1,Shop Một lại,0901111111,vi\n"
                "IMP-4,Shop Bốn,,fr\n")


def text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def agent(email: str = "agent1.delivery@demo.test") -> User:
    return db.session.scalar(select(User).where(User.email == email))


# --- the seller's pages ---------------------------------------------------------------------------

def test_seller_form_refusal_from_the_service_in_vietnamese(client, demo, seller):
    path = seller.link_path()
    fields = {**seller.form(path), "category": "delivery_delay", "tracking_numbers": "NVDEMO00001",
              "description": "Đơn hàng chưa được lấy hàng từ hôm qua.",
              "attachments": [(io.BytesIO(png()), f"anh-{n}.png") for n in range(runtime().upload_max_files + 1)]}
    refused = client.post(f"{path}/tickets?lang=vi", data=fields, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert f"Tối đa {runtime().upload_max_files} tệp cho mỗi tin nhắn." in text(refused)
    assert db.session.scalar(select(Ticket.id)) is None


def test_seller_conflicts_and_foreign_tickets_in_vietnamese(client, demo, seller):
    path = seller.link_path()
    made = seller.submit(path, tracking_numbers="NV99999999")  # no shipment status known
    page = made.headers["Location"]
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == page.rsplit("/", 1)[-1]))
    token = csrf_from(client.get(page).get_data(as_text=True))
    unknown = client.post(f"{page}/resolve?lang=vi", data={"csrf_token": token})
    assert unknown.status_code == 409 and "Chưa có trạng thái vận đơn nào để dựa vào cho yêu cầu này." in text(unknown)
    other = seller.link_path("DEMO-002")
    foreign = client.get(f"{other}/tickets/{ticket.reference}?lang=vi")
    assert foreign.status_code == 404 and "Cửa hàng này không có yêu cầu này." in text(foreign)
    english = client.get(f"{other}/tickets/{ticket.reference}?lang=en")
    assert english.status_code == 404 and "No such ticket for this shop." in text(english)


def test_a_revoked_link_says_so_in_the_readers_language(client, app, demo):
    seller = sellers.by_code("DEMO-003")
    path = f"/s/{links.link_token(seller, app.config['SECRET_KEY'])}"
    sellers.revoke_links(seller, now=dt.datetime.now(dt.UTC))
    answer = client.get(f"{path}?lang=vi")
    assert answer.status_code == 410 and "Đường dẫn này đã được thay thế." in text(answer)


# --- the administration ---------------------------------------------------------------------------

@pytest.fixture
def admin(client, demo, auth, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SELLER_IMPORTS_DIR", str(tmp_path / "imports"))
    assert auth.login("admin@demo.test").status_code == 303
    return client


def test_import_rejection_reasons_in_vietnamese_and_the_preview_confirms_in_either_language(admin):
    sent = admin.post("/admin/sellers/import", data={
        "csrf_token": csrf_from(admin.get("/admin/sellers").get_data(as_text=True)),
        "file": (io.BytesIO(BAD_ROWS_CSV.encode()), "sellers.csv")}, content_type="multipart/form-data")
    assert sent.status_code == 303
    vi = admin.get(sent.headers["Location"] + "?lang=vi")
    shown = text(vi)
    for reason in ("name: Người bán cần có tên.", "mã IMP-1 xuất hiện hai lần trong tệp",
                   "locale: Ngôn ngữ là vi hoặc en."):
        assert reason in shown, reason
    assert "A seller needs a name" not in shown
    en = admin.get(sent.headers["Location"] + "?lang=en")
    assert "name: A seller needs a name." in text(en) and "code IMP-1 appears twice in the file" in text(en)

    def digest(page):
        return re.search(r'name="digest"[^>]*value="([^"]*)"', page.get_data(as_text=True)).group(1)

    assert digest(vi) == digest(en)  # the preview is the same whichever language it was read in
    fields = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', vi.get_data(as_text=True)).group(1)
              for name in ("csrf_token", "import_id", "digest")}
    done = admin.post("/admin/sellers/import/confirm", data=fields)
    assert done.status_code == 303 and sellers.by_code("IMP-1") is not None


def test_unreadable_import_in_vietnamese(admin):
    refused = admin.post("/admin/sellers/import?lang=vi", data={
        "csrf_token": csrf_from(admin.get("/admin/sellers").get_data(as_text=True)),
        "file": (io.BytesIO(b"number,shop\n1,x\n"), "sellers.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Tệp CSV cần có dòng tiêu đề với ít nhất các cột code và name." in text(refused)


def calendar(client, lang: str, **fields):
    token = csrf_from(client.get("/admin/departments/finance").get_data(as_text=True))
    data = {"csrf_token": token, "business": "business", "timezone": "Asia/Ho_Chi_Minh", "country": "VN",
            "hours_0": "08:00-17:30", "hours_1": "08:00-17:30", "hours_2": "08:00-17:30", "hours_3": "08:00-17:30",
            "hours_4": "08:00-17:30", "hours_5": "08:00-12:00", "hours_6": "", "holidays": "2027-02-12", **fields}
    return client.post(f"/admin/departments/finance/calendar?lang={lang}", data=data)


def test_calendar_summary_closures_and_flash_in_vietnamese(admin):
    saved = calendar(admin, "vi")
    assert saved.status_code == 303
    page = text(admin.get(saved.headers["Location"]))  # the cookie now says vi
    summary = ("Giờ làm việc theo múi giờ Asia/Ho_Chi_Minh: Th 2 08:00-17:30; Th 3 08:00-17:30; Th 4 08:00-17:30; "
               "Th 5 08:00-17:30; Th 6 08:00-17:30; Th 7 08:00-12:00; nghỉ vào các ngày lễ của VN và 1 ngày nghỉ riêng")
    assert summary in page
    assert "Yêu cầu mới áp dụng lịch này ngay" in page  # the flash
    assert "Ngày nghỉ riêng" in page and "Tết Nguyên Đán" in page
    listed = text(admin.get("/admin/departments"))
    assert summary in listed and "Mở cửa 24/7" in listed
    english = text(admin.get("/admin/departments/finance?lang=en"))
    assert ("Business hours in Asia/Ho_Chi_Minh: Mon 08:00-17:30; Tue 08:00-17:30; Wed 08:00-17:30; Thu 08:00-17:30; "
            "Fri 08:00-17:30; Sat 08:00-12:00; closed on VN public holidays and 1 own day(s)") in english
    assert "Own holiday" in english and "Tết Nguyên Đán" not in english  # holiday names follow the page too


@pytest.mark.parametrize("fields, message", [
    ({"hours_0": "8 to 5"}, "“8 to 5” không phải khung giờ dạng 08:00-17:30."),
    ({"hours_2": "08:00-12:00, 11:00-13:00"}, "các khung giờ chồng lên nhau"),
    ({"holidays": "mai"}, "“mai” không phải ngày dạng 2027-02-12."),
    ({"timezone": "Mars/Olympus"}, "múi giờ “Mars/Olympus” không tồn tại"),
    ({"country": "XX"}, "không có dữ liệu ngày lễ cho quốc gia “XX”"),
])
def test_calendar_refusals_in_vietnamese(admin, fields, message):
    refused = calendar(admin, "vi", **fields)
    assert refused.status_code == 422 and message in text(refused), fields
    assert db.session.scalar(select(Department.calendar_json).where(Department.code == "finance")) is None


def test_calendar_summary_outside_a_request_is_english(app):
    data = {"kind": "business", "timezone": "Asia/Bangkok", "weekly_hours": {"0": [["09:00", "17:00"]]},
            "holidays": []}
    assert departments.calendar_summary(data) == "Business hours in Asia/Bangkok: Mon 09:00-17:00; no public holidays"
    assert departments.calendar_summary({"kind": "24/7"}) == "Open 24/7"


# --- staff ----------------------------------------------------------------------------------------

def test_staff_refusal_in_vietnamese_escapes_what_was_typed(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    refused = client.post(f"{page}/assign?lang=vi", data={"csrf_token": token, "assignee": "<b>x</b>@demo.test"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Không có người dùng đang hoạt động &lt;b&gt;x&lt;/b&gt;@demo.test." in body and "<b>x</b>" not in body
    moved = client.post(f"{page}/status?lang=vi", data={"csrf_token": token, "status": "resolved",
                                                                 "reason": "carrier_delay"})
    assert moved.status_code == 303
    back = client.post(f"{page}/status?lang=vi", data={"csrf_token": token, "status": "new"})
    assert back.status_code == 409 and "Yêu cầu ở trạng thái resolved không thể chuyển sang new." in text(back)


def test_bulk_summary_flash_in_vietnamese(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    done = client.post("/inbox/bulk?lang=vi", data={"csrf_token": token, "action": "status", "value": "open",
                                                     "refs": [ticket.reference, "T-0000-0000"]})
    assert done.status_code == 303
    flashed = text(client.get("/inbox"))
    assert "Đã cập nhật 1 yêu cầu; không thay đổi: T-0000-0000: không tìm thấy trong các bộ phận của bạn" in flashed


# --- the JSON API ---------------------------------------------------------------------------------

def test_api_messages_translate_while_field_names_stay(client, app, demo):
    token = links.link_token(sellers.by_code("DEMO-001"), app.config["SECRET_KEY"])
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post("/api/v1/tickets?lang=vi", json={"category": "nope", "description": "x"}, headers=headers)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["status"] == 422 and error["message"] == "Một số trường cần được xem lại."
    assert set(error["fields"]) == {"category", "description"}
    assert error["fields"]["category"] == ["Loại vấn đề không xác định; hãy dùng một trong: delivery_delay, "
                                           "order_return_status, finance, app_bug, other."]
    english = client.post("/api/v1/tickets?lang=en", json={"category": "nope", "description": "x"}, headers=headers)
    assert english.get_json()["error"]["message"] == "Some fields need attention."
