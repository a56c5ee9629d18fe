"""Vietnamese and English: the seller's own locale by default, a switch that is remembered, and
field errors, labels and promises in the chosen language."""
import re

import pytest

from portal.services import sellers
from tests.clients import FreshGClient, csrf_from


@pytest.fixture
def fresh(app):
    """A browser that has not chosen a language yet."""
    app.test_client_class = FreshGClient
    return app.test_client()


def link(app, fresh, code: str) -> str:  # noqa: ARG001
    from portal.services.links import link_token
    from portal.services.runtime import runtime
    return f"/s/{link_token(sellers.by_code(code), runtime().secret_key)}"


def lang_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)">', html).group(1)


def test_a_vietnamese_seller_gets_vietnamese_an_english_seller_english(app, demo, fresh):
    assert sellers.by_code("DEMO-001").locale == "vi" and sellers.by_code("DEMO-004").locale == "en"
    vi = fresh.get(link(app, fresh, "DEMO-001")).get_data(as_text=True)
    assert lang_of(vi) == "vi" and "Báo cáo vấn đề" in vi and "Vấn đề liên quan đến gì?" in vi
    assert "Report a problem" not in vi and "Trễ lấy hàng hoặc giao hàng" in vi
    en = fresh.get(link(app, fresh, "DEMO-004")).get_data(as_text=True)
    assert lang_of(en) == "en" and "Report a problem" in en and "Báo cáo vấn đề" not in en


def test_the_switch_is_remembered_across_pages(app, demo, fresh):
    path = link(app, fresh, "DEMO-001")
    switched = fresh.get(f"{path}?lang=en")
    assert lang_of(switched.get_data(as_text=True)) == "en"
    assert "lang=en" in switched.headers["Set-Cookie"] and "Max-Age" in switched.headers["Set-Cookie"]
    assert lang_of(fresh.get(path).get_data(as_text=True)) == "en"  # remembered
    assert lang_of(fresh.get("/login").get_data(as_text=True)) == "en"
    html = fresh.get(f"{path}?lang=vi").get_data(as_text=True)
    assert lang_of(html) == "vi" and 'href="/s/' in html and "lang=en" in html  # the switch back
    assert lang_of(fresh.get("/login").get_data(as_text=True)) == "vi"
    assert lang_of(fresh.get(f"{path}?lang=fr").get_data(as_text=True)) == "vi"  # unknown: ignored


def test_field_errors_and_promise_in_vietnamese(app, demo, fresh):
    path = link(app, fresh, "DEMO-001")
    token = csrf_from(fresh.get(path).get_data(as_text=True))
    bad = fresh.post(f"{path}/tickets", data={"csrf_token": token, "category": "delivery_delay",
                                              "tracking_numbers": "x!", "description": "abc", "contact_phone": "12"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Vui lòng sửa các ô được đánh dấu." in html and "Mã vận đơn không hợp lệ: X!." in html
    assert "Vui lòng mô tả vấn đề bằng ít nhất 5 ký tự." in html and "Nhập số điện thoại 8–15 chữ số" in html
    ok = fresh.post(f"{path}/tickets", data={"csrf_token": token, "category": "delivery_delay",
                                             "tracking_numbers": "NV12345678", "description": "Shipper chưa đến lấy"})
    page = fresh.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Chúng tôi sẽ trả lời trước" in page and '<span class="status status-new">Mới</span>' in page


def test_staff_pages_follow_the_browser_language(app, demo, fresh):
    assert lang_of(fresh.get("/login", headers={"Accept-Language": "vi-VN,vi;q=0.9"}).get_data(as_text=True)) == "vi"
    html = fresh.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert lang_of(html) == "en" and "Staff log in" in html
    assert lang_of(fresh.get("/login").get_data(as_text=True)) == app.config["PORTAL_DEFAULT_LOCALE"]


def test_error_pages_and_json_errors_are_translated(app, demo, fresh):
    html = fresh.get("/s/not-a-token?lang=vi").get_data(as_text=True)
    assert lang_of(html) == "vi" and "Mã 404" in html
    response = fresh.post("/login?lang=vi", data={"email": "a@b.c", "password": "x"})  # no CSRF token
    assert response.status_code == 400 and "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_refusals_of_the_services_speak_the_page_language(app, demo, fresh):
    import io
    path = link(app, fresh, "DEMO-001")
    token = csrf_from(fresh.get(path).get_data(as_text=True))
    response = fresh.post(f"{path}/tickets", content_type="multipart/form-data", data={
        "csrf_token": token, "category": "app_bug", "description": "Ứng dụng bị treo khi in vận đơn",
        "attachments": [(io.BytesIO(b"MZ\x90\x00 not an image"), "loi.exe")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "không phải ảnh chụp màn hình (PNG, JPEG, GIF, WebP) hoặc PDF" in html


@pytest.mark.parametrize("lang, said", [("vi", "Báo cáo vấn đề"), ("en", "Report a problem")])
def test_a_page_finds_its_catalogue_once_and_says_what_babel_says(app, monkeypatch, lang, said):
    """`_()` in a page is bound to the request's catalogue when rendering starts (i18n.page_gettext):
    the same words, escaping and formatting as Flask-Babel's own, for one catalogue look-up."""
    import flask_babel
    from flask import render_template_string

    from portal import i18n

    looked_up = []
    real = flask_babel.get_translations
    monkeypatch.setattr(i18n, "get_translations", lambda: looked_up.append(1) or real())
    page = ("{{ _('Report a problem') }}|{{ _('in %(time)s', time='<b>4h</b>') }}|{{ _('Report a problem') }}"
            "|{% autoescape false %}{{ _('in %(time)s', time='<b>') }}{% endautoescape %}")
    with app.test_request_context(f"/login?lang={lang}"):
        html = render_template_string(page)
        expected = [flask_babel.gettext("Report a problem"),
                    str(flask_babel.gettext("in %(time)s", time="&lt;b&gt;4h&lt;/b&gt;")),
                    flask_babel.gettext("Report a problem"), flask_babel.gettext("in %(time)s", time="<b>")]
    assert html.split("|") == expected and expected[0] == said
    assert len(looked_up) == 1
