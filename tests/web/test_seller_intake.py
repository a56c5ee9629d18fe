"""The troubleshooting form: routing, promise, validation, uploads, double submit."""
import io
import re
from pathlib import Path

import pytest
from babel.dates import format_time
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, Event, Message, Ticket, TicketTracking
from tests.files import pdf, png


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Ticket, Message, Attachment, Event))


def ticket_of(response) -> Ticket:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


@pytest.mark.parametrize("category,description,tracking,department", [
    ("delivery_delay", "Shipper chưa đến lấy hàng từ hôm qua.", "NV12345678", "delivery"),
    ("order_return_status", "Đơn hoàn hàng chưa về kho.", "NV12345679", "returns"),
    ("finance", "Chưa nhận được tiền đối soát COD tuần trước.", "", "finance"),
    ("app_bug", "Ứng dụng bị treo khi in vận đơn.", "", "apps"),
    ("other", "Tôi muốn hỏi về việc khác, không rõ là gì.", "", "triage"),
])
def test_each_category_is_routed_with_explanation_and_promise(client, demo, seller, category, description,
                                                              tracking, department):
    path = seller.link_path()
    ticket = ticket_of(seller.submit(path, category=category, description=description, tracking_numbers=tracking))
    assert ticket.department.code == department
    assert ticket.routing_explanation.startswith(department)
    assert ticket.status == "new"
    assert (ticket.first_response_due_at - ticket.created_at).total_seconds() == 4 * 3600
    page = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    assert ticket.reference in page
    assert str(escape(ticket.department.name)) in page
    assert "We will answer by" in page
    local = ticket.first_response_due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert format_time(local, "short", locale="en") in page  # '1:30 PM': the page is in English
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id))]
    assert kinds[:2] == ["created", "routed"]


def test_reference_has_month_and_number(client, demo, seller):
    ticket = ticket_of(seller.submit(seller.link_path()))
    assert re.fullmatch(r"T-\d{4}-\d{4,}", ticket.reference)


def test_tracking_numbers_are_normalised_and_deduplicated(client, demo, seller):
    raw = "nv12345678, NV12345678\n nv87654321;NV-5555-4444"
    ticket = ticket_of(seller.submit(seller.link_path(), tracking_numbers=raw))
    assert ticket.tracking_list == ["NV12345678", "NV87654321", "NV-5555-4444"]
    rows = db.session.scalars(select(TicketTracking.tracking_number).where(TicketTracking.ticket_id == ticket.id))
    assert sorted(rows) == sorted(ticket.tracking_list)


def test_home_lists_the_sellers_tickets_with_status(client, demo, seller):
    path = seller.link_path()
    ticket = ticket_of(seller.submit(path))
    html = client.get(path).get_data(as_text=True)
    assert ticket.reference in html and "New" in html
    other = seller.link_path("DEMO-002")
    assert ticket.reference not in client.get(other).get_data(as_text=True)


def test_other_sellers_ticket_is_404(client, demo, seller):
    ticket = ticket_of(seller.submit(seller.link_path()))
    assert client.get(f"{seller.link_path('DEMO-002')}/tickets/{ticket.reference}").status_code == 404


@pytest.mark.parametrize("fields,field,message", [
    ({"category": "nonsense"}, "category", "Not a valid choice"),
    ({"category": ""}, "category", "Choose what the problem is about"),
    ({"tracking_numbers": ""}, "tracking_numbers", "at least one tracking number"),
    ({"tracking_numbers": "NV1"}, "tracking_numbers", "Not a valid tracking number: NV1"),
    ({"tracking_numbers": "<script>alert(1)</script>"}, "tracking_numbers", "Not a valid tracking number"),
    ({"tracking_numbers": " ".join(f"NV{i:08d}" for i in range(51))}, "tracking_numbers", "At most 50"),
    ({"description": ""}, "description", "Tell us what happened"),
    ({"description": "abc"}, "description", "at least 5 characters"),
    ({"description": "x" * 5001}, "description", "under 5000 characters"),
    ({"description": "hello\x07world"}, "description", "control characters"),
    ({"contact_phone": "call me"}, "contact_phone", "phone number of 8–15 digits"),
])
def test_invalid_fields_show_error_keep_input_and_store_nothing(client, demo, seller, fields, field, message):
    before = counts()
    typed = "Mô tả vẫn còn đây sau lỗi"
    data = {"description": typed, **fields}
    response = seller.submit(seller.link_path(), **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    if field != "description":
        assert typed in html  # what the seller typed is kept
    assert counts() == before


def test_missing_csrf_is_refused_and_nothing_stored(client, demo, seller):
    before = counts()
    data = {"category": "finance", "description": "Chưa nhận tiền"}
    response = client.post(f"{seller.link_path()}/tickets", data=data)
    assert response.status_code == 400
    assert counts() == before


def test_double_submit_creates_one_ticket(client, demo, seller):
    path = seller.link_path()
    form = seller.form(path)
    data = {**form, "category": "finance", "description": "Phí vận chuyển bị tính sai", "tracking_numbers": ""}
    first = client.post(f"{path}/tickets", data=data)
    second = client.post(f"{path}/tickets", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_vietnamese_and_emoji_round_trip_unchanged(client, demo, seller):
    text = "Đơn hàng giao chậm 😡🙏 — khách hàng phàn nàn: “Tại sao?” " + "Ưu tiên xử lý giúp ạ. " * 150
    path = seller.link_path()
    ticket = ticket_of(seller.submit(path, description=text.strip()))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).description == text.strip()
    assert text.strip() in client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)


def test_stored_text_is_escaped(client, demo, seller):
    path = seller.link_path()
    ticket = ticket_of(seller.submit(path, description="<script>alert('x')</script> lỗi"))
    html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def _upload(seller, path, files, **extra):
    data = {**seller.form(path), "category": "app_bug", "description": "Ảnh chụp màn hình lỗi ứng dụng",
            "tracking_numbers": "", "attachments": files, **extra}
    return seller.client.post(f"{path}/tickets", data=data, content_type="multipart/form-data")


def test_png_and_pdf_are_stored_outside_web_root_and_served_as_download(client, app, demo, seller):
    path = seller.link_path()
    response = _upload(seller, path, [(io.BytesIO(png()), "màn hình lỗi.png"), (io.BytesIO(pdf()), "hóa đơn.pdf")])
    ticket = ticket_of(response)
    rows = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))
    assert [(a.filename, a.content_type) for a in rows] == [("màn hình lỗi.png", "image/png"),
                                                            ("hóa đơn.pdf", "application/pdf")]
    stored = Path(app.config["UPLOAD_DIR"]) / rows[0].stored_name[:2] / rows[0].stored_name
    assert stored.read_bytes() == png()
    assert "static" not in str(stored)
    download = client.get(f"{path}/attachments/{rows[0].id}")
    assert download.status_code == 200 and download.data == png()
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"{seller.link_path('DEMO-002')}/attachments/{rows[0].id}").status_code == 404


@pytest.mark.parametrize("name,content,message", [
    ("fake.png", b"this is not an image at all, just text", "not a screenshot"),
    ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "not a screenshot"),
    ("page.html.png", b"<html><script>alert(1)</script></html>", "not a screenshot"),
    ("empty.png", b"", "empty"),
])
def test_upload_type_is_checked_by_content(client, app, demo, seller, name, content, message):
    before = counts()
    response = _upload(seller, seller.link_path(), [(io.BytesIO(content), name)])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "please attach them again" in response.get_data(as_text=True)
    assert counts() == before
    assert not any(Path(app.config["UPLOAD_DIR"]).rglob("*")) if Path(app.config["UPLOAD_DIR"]).exists() else True


def test_upload_over_the_size_cap_is_refused(client, app, demo, seller):
    big = png() + b"\x00" * (1024 * 1024)  # still a PNG by content, over UPLOAD_MAX_MB=1
    before = counts()
    response = _upload(seller, seller.link_path(), [(io.BytesIO(big), "big.png")])
    assert response.status_code == 422
    assert "larger than 1 MB" in response.get_data(as_text=True)
    assert counts() == before


def test_request_over_the_body_cap_is_413(client, app, demo, seller):
    huge = b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    response = _upload(seller, seller.link_path(), [(io.BytesIO(huge), "huge.png")])
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Windows\\system32\\evil.png", None),
    ("<img src=x onerror=alert(1)>.png", "img src=x onerror=alert(1).png"),
    ("report.pdf.exe", "report.pdf.png"),
    ("\x00\x01.png", "attachment.png"),
    ("a" * 300 + ".png", "a" * 120 + ".png"),
])
def test_upload_names_are_sanitised(client, demo, seller, raw, expected):
    ticket = ticket_of(_upload(seller, seller.link_path(), [(io.BytesIO(png()), raw)]))
    stored = db.session.scalar(select(Attachment.filename).where(Attachment.ticket_id == ticket.id))
    assert "/" not in stored and "\\" not in stored and ":" not in stored
    if expected is None:  # the multipart parser already treats backslashes as escapes
        assert stored.endswith("evil.png")
    else:
        assert stored == expected


def test_too_many_files_refused(client, app, demo, seller):
    files = [(io.BytesIO(png()), f"{i}.png") for i in range(app.config["UPLOAD_MAX_FILES"] + 1)]
    response = _upload(seller, seller.link_path(), files)
    assert response.status_code == 422 and "At most" in response.get_data(as_text=True)


def test_the_session_cookie_is_set_once_not_on_every_visit(client, demo, seller):
    """A seller's session holds only the form's CSRF secret: the first visit sets it, later visits
    and submissions leave it as it is (no staff login is looked up, nothing cleared and re-sent)."""
    path = seller.link_path()
    first = client.get(path)
    assert any(c.startswith("session=") for c in first.headers.getlist("Set-Cookie"))
    again = client.get(path)
    assert again.headers.getlist("Set-Cookie") == []
    sent = seller.submit(path)
    assert sent.status_code == 303 and sent.headers.getlist("Set-Cookie") == []
    assert client.get(path).headers.getlist("Set-Cookie") == []


def test_each_submission_takes_the_next_ticket_id(client, demo, seller):
    """The new ticket's id is read in the statement that reads its department and that department's
    agents (one row per agent): however many agents there are, a submission takes one id."""
    path = seller.link_path()
    for n in range(3):
        assert seller.submit(path, tracking_numbers=f"NVSEQ{n:05d}").status_code == 303
    ids = db.session.scalars(select(Ticket.id).order_by(Ticket.id)).all()
    assert len(ids) == 3 and ids == list(range(ids[0], ids[0] + 3))
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_id.is_not(None))) == 3
