"""Files on staff replies and notes: the seller's rules, seen by the seller on public replies only."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, Message, Ticket
from tests.clients import csrf_from
from tests.files import pdf, png


def seller_ticket(seller) -> Ticket:
    response = seller.submit(seller.link_path())
    assert response.status_code == 303
    return db.session.scalar(select(Ticket).where(Ticket.reference == response.headers["Location"].rsplit("/", 1)[-1]))


def staff_reply(client, ticket: Ticket, body: str, files: list[tuple[bytes, str]], **fields):
    page = f"/tickets/{ticket.reference}"
    csrf = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(f"{page}/reply", content_type="multipart/form-data", data={
        "csrf_token": csrf, "body": body, "attachments": [(io.BytesIO(data), name) for data, name in files], **fields})


def files_on_disk(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def attachments_of(ticket: Ticket, *, internal: bool) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).join(Message, Message.id == Attachment.message_id)
                                   .where(Attachment.ticket_id == ticket.id, Message.internal.is_(internal))))


def test_the_reply_and_note_forms_take_files(client, demo, seller, auth):
    ticket = seller_ticket(seller)
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert html.count('enctype="multipart/form-data"') >= 2
    assert '<label for="reply-files">' in html and 'id="reply-files" name="attachments" multiple' in html
    assert '<label for="note-files">' in html and 'id="note-files" name="attachments" multiple' in html


def test_a_staff_reply_with_files_reaches_the_seller(client, demo, seller, auth, app):
    ticket = seller_ticket(seller)
    auth.login()
    response = staff_reply(client, ticket, "Ảnh biên nhận đây ạ",
                           [(png(40, 20), "biên nhận.png"), (pdf(), "phiếu.pdf")])
    assert response.status_code == 303
    rows = attachments_of(ticket, internal=False)
    assert sorted(r.filename for r in rows) == ["biên nhận.png", "phiếu.pdf"]
    message = db.session.get(Message, rows[0].message_id)
    assert message.author_kind == "staff" and message.body == "Ảnh biên nhận đây ạ"
    path = seller.link_path()
    html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    image = next(r for r in rows if r.filename.endswith(".png"))
    document = next(r for r in rows if r.filename.endswith(".pdf"))
    assert f'<img src="{path}/attachments/{image.id}/thumb" alt="biên nhận.png"' in html
    assert f'<a href="{path}/attachments/{document.id}">phiếu.pdf</a>' in html
    download = client.get(f"{path}/attachments/{document.id}")
    assert download.status_code == 200 and download.data == pdf()
    assert client.get(f"{path}/attachments/{image.id}").data == png(40, 20)
    assert client.get(f"{path}/attachments/{image.id}/thumb").status_code == 200


def test_a_notes_files_stay_with_staff(client, demo, seller, auth):
    ticket = seller_ticket(seller)
    auth.login()
    response = staff_reply(client, ticket, "Khách gửi nhầm địa chỉ", [(png(), "nội bộ.png")], internal="1")
    assert response.status_code == 303
    (row,) = attachments_of(ticket, internal=True)
    assert client.get(f"/attachments/{row.id}").status_code == 200
    assert client.get(f"/attachments/{row.id}/thumb").status_code == 200
    path = seller.link_path()
    html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    assert "nội bộ.png" not in html and f"/attachments/{row.id}" not in html
    assert client.get(f"{path}/attachments/{row.id}").status_code == 404
    assert client.get(f"{path}/attachments/{row.id}/thumb").status_code == 404


@pytest.mark.parametrize("files, message", [
    ([(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "lớn.png")], "lớn is larger than 1 MB."),
    ([(b"plain text, not a picture", "ghi chú.png")], "ghi chú is not a screenshot (PNG, JPEG, GIF, WebP) or a PDF."),
    ([(png(), f"{n}.png") for n in range(6)], "At most 5 files per message."),
])
@pytest.mark.parametrize("internal", ["", "1"])
def test_a_refused_file_saves_nothing(client, demo, seller, auth, app, files, message, internal):
    ticket = seller_ticket(seller)
    auth.login()
    messages_before, on_disk = db.session.scalar(select(func.count(Message.id))), files_on_disk(app)
    response = staff_reply(client, ticket, "Gửi kèm tệp", [(png(), "tốt.png"), *files], internal=internal)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and "Your files were not kept: please attach them again." in html
    # the draft stays in the box it was written in: a refused note never lands in the reply to the seller
    box = "note-body" if internal else "reply-body"
    assert f'id="{box}" name="body" rows="4" required>Gửi kèm tệp</textarea>' in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Message.id))) == messages_before
    assert db.session.scalar(select(func.count(Attachment.id)).where(Attachment.ticket_id == ticket.id)) == 0
    assert files_on_disk(app) == on_disk
    assert db.session.get(Ticket, ticket.id).first_responded_at is None



def test_a_reply_crossing_the_sellers_keeps_no_file_and_says_so(client, demo, seller, auth, app):
    ticket = seller_ticket(seller)
    auth.login()
    seen = staff_reply_seen_event(client, ticket)
    path = seller.link_path()
    page = f"{path}/tickets/{ticket.reference}"
    csrf = csrf_from(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/reply", data={"csrf_token": csrf, "body": "Tôi gửi thêm"},
                       content_type="multipart/form-data").status_code == 303
    on_disk = files_on_disk(app)
    response = staff_reply(client, ticket, "Trả lời kèm ảnh", [(png(), "ảnh.png")], seen_event=seen)
    assert response.status_code == 409
    assert "Your files were not kept: please attach them again." in response.get_data(as_text=True)
    assert attachments_of(ticket, internal=False) == [] and files_on_disk(app) == on_disk


def staff_reply_seen_event(client, ticket: Ticket) -> str:
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    return re.search(r'name="seen_event"[^>]*value="(\d+)"', html).group(1)
