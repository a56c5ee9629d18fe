"""Inline thumbnails of image attachments on the staff and seller ticket pages: made with Pillow,
upright, within the bound, never for a decompression bomb, and only for those who may see the file."""
from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment, Ticket
from portal.services import previews, retention
from tests.files import pdf


def picture(fmt: str, size: tuple[int, int], *, orientation: int | None = None) -> bytes:
    """A real image: left half red, right half blue, so a turn shows where the halves went."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    extra = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(out, fmt, **extra)
    return out.getvalue()


def declared_png(width: int, height: int) -> bytes:
    """A few hundred bytes that declare a huge picture: the header says width×height, the data is tiny."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def seller_ticket(seller, files: list[tuple[bytes, str]]) -> tuple[Ticket, list[Attachment]]:
    response = seller.submit(seller.link_path(), attachments=[(io.BytesIO(data), name) for data, name in files])
    assert response.status_code == 303, response.get_data(as_text=True)
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    rows = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))
    return ticket, rows


def img_tag(html: str, thumb_url: str) -> str:
    match = re.search(r'<img src="' + re.escape(thumb_url) + r'"[^>]*>', html)
    assert match, f"no <img> for {thumb_url}"
    return match.group(0)


def decoded(response) -> Image.Image:
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image.convert("RGB")


@pytest.mark.parametrize("fmt, name, size, thumb", [
    ("PNG", "screen.png", (1200, 800), (320, 213)),
    ("JPEG", "photo.jpg", (800, 1600), (160, 320)),
    ("PNG", "tiny.png", (40, 30), (40, 30)),  # never enlarged
])
def test_an_image_is_a_thumbnail_within_the_bound_linking_to_the_file(client, demo, seller, auth, fmt, name, size,
                                                                      thumb):
    ticket, (row,) = seller_ticket(seller, [(picture(fmt, size), name)])
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    tag = img_tag(html, f"/attachments/{row.id}/thumb")
    assert f'alt="{name}"' in tag and f'width="{thumb[0]}"' in tag and f'height="{thumb[1]}"' in tag
    assert 'loading="lazy"' in tag
    assert f'<a class="att-thumb" href="/attachments/{row.id}">' in html
    image = decoded(client.get(f"/attachments/{row.id}/thumb"))
    assert image.size == thumb and max(image.size) <= previews.THUMB_SIDE
    # the seller sees the same preview of their own file, through their link
    path = seller.link_path()
    seller_html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    img_tag(seller_html, f"{path}/attachments/{row.id}/thumb")
    assert decoded(client.get(f"{path}/attachments/{row.id}/thumb")).size == thumb


def test_the_thumbnail_is_kept_on_disk_named_by_the_stored_name_and_goes_with_the_file(client, demo, seller, auth,
                                                                                       app):
    ticket, (row,) = seller_ticket(seller, [(picture("PNG", (600, 600)), "a.png")])
    auth.login()
    first = client.get(f"/attachments/{row.id}/thumb").data
    cached = previews.thumb_path(row.stored_name, app.config["UPLOAD_DIR"])
    assert cached.exists() and row.stored_name in cached.name
    assert client.get(f"/attachments/{row.id}/thumb").data == first == cached.read_bytes()
    retention.remove_files([row.stored_name], app.config["UPLOAD_DIR"])
    assert not cached.exists()


def test_an_exif_turned_photo_is_shown_upright(client, demo, seller, auth):
    # stored 400×200 with the red half on the left; orientation 6 means "turn a quarter clockwise to view"
    ticket, (row,) = seller_ticket(seller, [(picture("JPEG", (400, 200), orientation=6), "turned.jpg")])
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    tag = img_tag(html, f"/attachments/{row.id}/thumb")
    assert 'width="160"' in tag and 'height="320"' in tag
    image = decoded(client.get(f"/attachments/{row.id}/thumb"))
    assert image.size == (160, 320)
    top, bottom = image.getpixel((80, 40)), image.getpixel((80, 280))
    assert top[0] > 200 and top[2] < 60, top  # the left half, turned, is on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize("width, height", [(30000, 30000), (6000, 5000)])
def test_a_decompression_bomb_stays_a_download_link(client, demo, seller, auth, app, width, height):
    data = declared_png(width, height)
    assert len(data) < 1000
    ticket, (row,) = seller_ticket(seller, [(data, "bomb.png")])
    auth.login()
    response = client.get(f"/tickets/{ticket.reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<img" not in html
    assert f'<a href="/attachments/{row.id}">bomb.png</a>' in html
    assert client.get(f"/attachments/{row.id}/thumb").status_code == 404
    assert client.get(f"/attachments/{row.id}").status_code == 200  # the file itself is still there
    path = seller.link_path()
    seller_page = client.get(f"{path}/tickets/{ticket.reference}")
    assert seller_page.status_code == 200 and "<img" not in seller_page.get_data(as_text=True)
    assert client.get(f"{path}/attachments/{row.id}/thumb").status_code == 404


def test_a_damaged_image_has_no_thumbnail_and_is_not_tried_again(client, demo, seller, auth, app):
    data = picture("PNG", (300, 300))
    ticket, (row,) = seller_ticket(seller, [(data[:200], "cut.png")])  # header whole, pixels cut off
    auth.login()
    assert "<img" in client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)  # the header reads fine
    assert client.get(f"/attachments/{row.id}/thumb").status_code == 404
    assert previews.thumb_path(row.stored_name, app.config["UPLOAD_DIR"]).stat().st_size == 0
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<img" not in html and f'<a href="/attachments/{row.id}">cut.png</a>' in html


def test_a_pdf_is_a_link_with_its_type_and_size(client, demo, seller, auth):
    ticket, (row,) = seller_ticket(seller, [(pdf(), "invoice.pdf")])
    auth.login()
    html = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<img" not in html
    assert re.search(rf'<a href="/attachments/{row.id}">invoice.pdf</a>\s*<small class="muted">PDF · 0.1 KB</small>',
                     html)
    assert client.get(f"/attachments/{row.id}/thumb").status_code == 404


def test_thumbnails_only_for_those_who_may_see_the_ticket(client, demo, seller, auth, app):
    ticket, (row,) = seller_ticket(seller, [(picture("PNG", (500, 500)), "mine.png")])
    other_seller = seller.link_path("DEMO-002")
    assert client.get(f"{other_seller}/attachments/{row.id}/thumb").status_code == 404
    auth.login("agent1.finance@demo.test")
    assert client.get(f"/attachments/{row.id}/thumb").status_code == 404
    assert client.get(f"/attachments/{row.id}").status_code == 404
    assert not Path(previews.thumb_path(row.stored_name, app.config["UPLOAD_DIR"])).exists()  # nothing made for them
    client.post("/logout", data={})
    anonymous = app.test_client()
    assert anonymous.get(f"/attachments/{row.id}/thumb").status_code in (302, 401)
