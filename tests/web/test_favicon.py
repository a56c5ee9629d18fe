"""/favicon.ico is the portal's icon (an ICO with 16, 32 and 48 pixel images), linked from every page."""
import struct


def test_favicon_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    data = response.get_data()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count == 3
    sizes = [data[6 + 16 * n] for n in range(count)]
    assert sizes == [16, 32, 48]
    assert b"\x89PNG" in data


def test_pages_link_the_icon(client):
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/login").get_data(as_text=True)
