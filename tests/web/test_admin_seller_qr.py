"""A seller's link as a QR code in a PNG and on a printable card; only admins, who see the link, get them."""
from __future__ import annotations

import html
import io
import re

import pytest
import segno
from PIL import Image

from portal.services import sellers

SCALE, BORDER = 10, 4  # portal.admin.seller_qr's PNG


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return client


def shown_link(client, seller_id: int) -> str:
    page = client.get(f"/admin/sellers/{seller_id}").get_data(as_text=True)
    return html.unescape(re.search(r'id="seller-link" type="text" value="([^"]+)"', page).group(1))


def read_modules(png: bytes) -> list[list[int]]:
    """The dark (1) and light (0) modules of a QR code drawn at SCALE px a module inside a BORDER."""
    image = Image.open(io.BytesIO(png)).convert("L")
    count = image.width // SCALE - 2 * BORDER
    return [[int(image.getpixel(((col + BORDER) * SCALE + SCALE // 2, (row + BORDER) * SCALE + SCALE // 2)) < 128)
             for col in range(count)] for row in range(count)]


def test_the_png_is_the_qr_code_of_the_link_shown_on_the_page(admin):
    seller = sellers.by_code("DEMO-001")
    link = shown_link(admin, seller.id)
    response = admin.get(f"/admin/sellers/{seller.id}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="link-DEMO-001.png"'
    assert response.headers["Cache-Control"] == "no-store"
    png = response.get_data()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.width == image.height and image.width % SCALE == 0
    # read back module by module: the very code of this link (and not of another seller's)
    modules = read_modules(png)
    assert modules == [list(row) for row in segno.make_qr(link, error="m").matrix]
    other = shown_link(admin, sellers.by_code("DEMO-002").id)
    assert modules != [list(row) for row in segno.make_qr(other, error="m").matrix]


def test_the_card_has_the_shop_name_the_code_the_link_and_how_to_use_it(admin):
    seller = sellers.by_code("DEMO-001")
    link = shown_link(admin, seller.id)
    detail = admin.get(f"/admin/sellers/{seller.id}").get_data(as_text=True)
    assert f"/admin/sellers/{seller.id}/qr.png" in detail and f"/admin/sellers/{seller.id}/card" in detail
    response = admin.get(f"/admin/sellers/{seller.id}/card")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert f"<h1>{seller.name}</h1>" in body
    assert f"<code>{link}</code>" in body
    assert 'src="data:image/svg+xml;base64,' in body and f'alt="QR code of the link of {seller.name}"' in body
    assert '<p lang="vi">Quét mã QR bằng camera điện thoại' in body
    assert "<p lang=\"en\">Scan the QR code with your phone's camera" in body
    assert "seller-card.css" in body
    css = admin.get("/static/seller-card.css").get_data(as_text=True)
    assert "@media print" in css


@pytest.mark.parametrize("email", ["manager@demo.test", "agent1.delivery@demo.test"])
def test_nobody_but_admins_gets_the_code_or_the_card(client, demo, auth, email):
    auth.login(email)
    seller = sellers.by_code("DEMO-001")
    for path in (f"/admin/sellers/{seller.id}/qr.png", f"/admin/sellers/{seller.id}/card"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        assert b"/s/" not in response.get_data() and not response.get_data().startswith(b"\x89PNG")


def test_an_unknown_seller_has_no_code(admin):
    assert admin.get("/admin/sellers/999999/qr.png").status_code == 404
