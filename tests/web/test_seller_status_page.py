"""GET /s/<token>/status: the parcel statuses a seller may read before any ticket, as a page (the form's
"Check status" without JavaScript) and as the fragment the form's script shows; "This answers my
question" (a self-service event, no ticket) and "I still need help" (the form, filled again)."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import SelfServiceEvent, Shipment, Ticket
from tests import factories
from tests.clients import seller_browser

EVENT_AT = dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC)  # 14:30 in Ho Chi Minh City
RETRY = "The courier tries again on the next working day"
NO_NEWS = "We have no news of this parcel yet."
ANSWERS = "This answers my question"


def parcel(number: str, status: str, *, seller_code: str | None = None, event: str = "Phát không thành công") -> None:
    db.session.add(Shipment(tracking_number=number, status=status, last_event=event, event_at=EVENT_AT,
                            seller_code=seller_code))
    db.session.commit()


@pytest.fixture
def shops(app):
    """Two sellers, one reading English and one Vietnamese, and a parcel of each plus one of nobody."""
    factories.seller("SHOP-EN", locale="en")
    factories.seller("SHOP-VI", locale="vi")
    parcel("NVEN000001", "delivery_failed", seller_code="SHOP-EN")
    parcel("NVVI000001", "in_transit", seller_code="SHOP-VI")
    parcel("NVPUB00001", "out_for_delivery", event="Đang giao")
    return {"en": seller_browser(app), "vi": seller_browser(app)}


def status_url(browser, code: str, **args) -> str:
    return f"{browser.link_path(code)}/status?{urlencode(args)}"


def ticket_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SelfServiceEvent))


def test_own_parcel_shows_label_hint_last_event_and_local_time(shops):
    browser = shops["en"]
    response = browser.client.get(status_url(browser, "SHOP-EN", tracking="nven000001", category="delivery_delay"))
    assert response.status_code == 200
    page = htmllib.unescape(response.get_data(as_text=True))
    assert "<code>NVEN000001</code> <strong>Delivery failed</strong>" in page
    assert RETRY in page and "Phát không thành công" in page
    assert 'datetime="2026-11-24T07:30:00+00:00"' in page and "2:30" in page  # the portal's time zone
    assert ANSWERS in page and "I still need help" in page
    assert "delivery_failed" not in page


def test_a_parcel_of_no_seller_is_shown_to_any_seller(shops):
    for code, lang in (("SHOP-EN", "en"), ("SHOP-VI", "vi")):
        page = shops[lang].client.get(status_url(shops[lang], code, tracking="NVPUB00001")).get_data(as_text=True)
        assert "<code>NVPUB00001</code> <strong>" in page and "Đang giao" in page and NO_NEWS not in page


def test_another_sellers_parcel_reads_as_unknown(shops):
    browser = shops["en"]
    response = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVVI000001", category="delivery_delay"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NO_NEWS in page and "In transit" not in page and "Phát không thành công" not in page
    assert ANSWERS not in page  # nothing to accept as an answer


def test_a_status_outside_the_vocabulary_is_shown_as_given_without_hint(shops):
    parcel("NVODD00001", "held_at_customs", seller_code="SHOP-EN")
    browser = shops["en"]
    page = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVODD00001", category="delivery_delay"))
    html = page.get_data(as_text=True)
    assert "<strong>held_at_customs</strong>" in html and 'class="parcel-hint"' not in html


def test_labels_and_hints_follow_the_sellers_language(shops):
    parcel("NVVI000002", "delivery_failed", seller_code="SHOP-VI")
    vi = shops["vi"].client.get(status_url(shops["vi"], "SHOP-VI", tracking="NVVI000002 NVVI000001",
                                           category="delivery_delay")).get_data(as_text=True)
    assert "Giao hàng không thành công" in vi and "Bưu tá sẽ giao lại vào ngày làm việc tiếp theo" in vi
    assert "Delivery failed" not in vi and RETRY not in vi and 'lang="vi"' in vi
    en = shops["en"].client.get(status_url(shops["en"], "SHOP-EN", tracking="NVEN000001")).get_data(as_text=True)
    assert "Delivery failed" in en and "Giao hàng không thành công" not in en


def test_looking_up_creates_no_ticket_and_records_nothing(shops):
    browser = shops["en"]
    for partial in ("0", "1"):
        assert browser.client.get(status_url(browser, "SHOP-EN", tracking="NVEN000001", category="delivery_delay",
                                             partial=partial)).status_code == 200
    assert ticket_count() == 0 and event_count() == 0


def test_this_answers_my_question_records_one_event_and_no_ticket(shops):
    browser = shops["en"]
    page = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVEN000001, NVPUB00001 NVVI000001",
                                         category="delivery_delay")).get_data(as_text=True)
    form = page[page.index('<form method="post"'):page.index("</form>")]
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert fields["category"] == "delivery_delay" and fields["csrf_token"]
    response = browser.client.post(action, data=fields)
    assert response.status_code == 303
    thanks = browser.client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "No ticket was sent" in thanks.get_data(as_text=True)
    row = db.session.scalars(select(SelfServiceEvent)).one()
    assert row.category == "delivery_delay"
    assert row.tracking_numbers == "NVEN000001 NVPUB00001"  # another seller's parcel was never shown
    assert row.statuses == "delivery_failed out_for_delivery"
    assert ticket_count() == 0


def test_the_inline_answer_posts_the_ticket_forms_own_fields(shops):
    """The script's fragment sits inside the ticket form: its button sends that form (CSRF, category,
    numbers) to the same address."""
    browser = shops["en"]
    path = browser.link_path("SHOP-EN")
    fragment = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVEN000001", category="order_return_status",
                                             partial="1")).get_data(as_text=True)
    assert "<html" not in fragment and "<form" not in fragment
    assert f'formaction="{path}/status/answered"' in fragment and "data-still-need-help" in fragment
    form = browser.form(path)
    response = browser.client.post(f"{path}/status/answered", data={
        **form, "category": "order_return_status", "tracking_numbers": "NVEN000001", "description": "Ở đâu rồi?"})
    assert response.status_code == 303
    assert event_count() == 1 and ticket_count() == 0


def test_an_answer_without_csrf_or_for_finance_or_unknown_parcels_records_nothing(shops):
    browser = shops["en"]
    path = browser.link_path("SHOP-EN")
    form = browser.form(path)
    assert browser.client.post(f"{path}/status/answered", data={
        "category": "delivery_delay", "tracking_numbers": "NVEN000001"}).status_code == 400
    assert browser.client.post(f"{path}/status/answered", data={
        **form, "category": "finance", "tracking_numbers": "NVEN000001"}).status_code == 422
    assert browser.client.post(f"{path}/status/answered", data={
        **form, "category": "delivery_delay", "tracking_numbers": "NVVI000001"}).status_code == 422
    assert event_count() == 0 and ticket_count() == 0


def test_finance_page_shows_the_status_but_offers_no_stop(shops):
    browser = shops["en"]
    for category in ("finance", "app_bug", "other", ""):
        page = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVEN000001", category=category))
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Delivery failed" in html, category
        assert ANSWERS not in html and "I still need help" not in html and "Back to the form" in html, category


def test_i_still_need_help_fills_the_form_again(shops):
    browser = shops["en"]
    typed = {"category": "order_return_status", "tracking_numbers": "NVEN000001 NV12345678",
             "description": "Khách báo chưa nhận <hàng> & muốn hoàn", "contact_phone": "0912345678",
             "csrf_token": "x", "submission_key": "k"}
    page = browser.client.get(f"{browser.link_path('SHOP-EN')}/status?{urlencode(typed)}").get_data(as_text=True)
    again = re.search(r'<form method="post" action="([^"]+)" class="form-again">(.*?)</form>', page, re.S)
    assert "I still need help" in again.group(2)
    fields = {name: htmllib.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', again.group(2))}
    assert "submission_key" not in fields and fields["csrf_token"] != "x"  # the page's own token, not the one sent
    assert {k: v for k, v in fields.items() if k != "csrf_token"} == {
        k: v for k, v in typed.items() if k not in ("csrf_token", "submission_key")}
    form = browser.client.post(again.group(1), data=fields)
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert '<option selected value="order_return_status">' in html
    assert "NVEN000001 NV12345678</textarea>" in html
    assert "Khách báo chưa nhận &lt;hàng&gt; &amp; muốn hoàn</textarea>" in html
    assert 'value="0912345678"' in html and 'class="error' not in html  # filled, not judged
    assert ticket_count() == 0


def test_the_form_offers_check_status_under_the_tracking_field(shops):
    browser = shops["en"]
    path = browser.link_path("SHOP-EN")
    html = browser.client.get(path).get_data(as_text=True)
    form = html[html.index('<form method="post"'):html.index("</form>")]
    assert form.index('id="tracking_numbers"') < form.index(f'formaction="{path}/status" formmethod="post"') \
        < form.index('id="description"')
    assert 'role="status" aria-live="polite"' in form and "parcel-status.js" in html
    assert 'data-categories="delivery_delay order_return_status"' in form


def test_check_status_posts_the_form_so_nothing_the_seller_wrote_lands_in_a_url(shops):
    browser = shops["en"]
    path = browser.link_path("SHOP-EN")
    form = browser.form(path)
    page = browser.client.post(f"{path}/status", data={**form, "category": "delivery_delay",
                                                       "tracking_numbers": "NVEN000001",
                                                       "description": "Khách hỏi mãi"})
    assert page.status_code == 200 and RETRY in page.get_data(as_text=True)
    assert ticket_count() == 0 and event_count() == 0
    # "I still need help" carries the text back to the form in a posted form, never in a link
    html = page.get_data(as_text=True)
    assert '<input type="hidden" name="description" value="Khách hỏi mãi">' in html
    assert "Kh%C3%A1ch" not in html and "description=" not in html
    forged = browser.client.post(f"{path}/status",
                                 data={"category": "delivery_delay", "tracking_numbers": "NVEN000001"})
    assert forged.status_code == 400


def test_bad_numbers_are_a_clear_422_and_more_than_twenty_are_cut(shops):
    browser = shops["en"]
    bad = browser.client.get(status_url(browser, "SHOP-EN", tracking="NV1 !!", category="delivery_delay"))
    assert bad.status_code == 422 and "Not a valid tracking number" in bad.get_data(as_text=True)
    empty = browser.client.get(status_url(browser, "SHOP-EN", category="delivery_delay"))
    assert empty.status_code == 422
    many = " ".join(f"NVMANY{n:04d}" for n in range(25))
    page = browser.client.get(status_url(browser, "SHOP-EN", tracking=many)).get_data(as_text=True)
    assert page.count(NO_NEWS) == 20 and "Only the first 20 numbers are shown." in page


def test_a_bad_or_revoked_link_is_404_or_410(shops, client, runner):
    path = shops["en"].link_path("SHOP-EN")
    assert client.get("/s/not-a-token/status?tracking=NVEN000001").status_code == 404
    assert runner.invoke(args=["sellers", "revoke", "SHOP-EN"]).exit_code == 0
    assert client.get(f"{path}/status?tracking=NVEN000001").status_code == 410
    assert client.post(f"{path}/status/answered", data={"category": "delivery_delay"}).status_code in (400, 410)


def test_the_ticket_page_shows_the_hint_under_the_label(demo, shops, now):
    browser = shops["en"]
    ticket = factories.ticket(now, seller="SHOP-EN", tracking=("NVEN000001", "NVVI000001"))
    html = browser.client.get(f"{browser.link_path('SHOP-EN')}/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<strong>Delivery failed</strong>" in html and RETRY in html
    assert "NVVI000001</code>: <strong>" not in html  # the other seller's parcel is not this ticket's to show


def test_the_page_is_rate_limited_per_seller(shops, app):
    app.config["RATELIMIT_SELLER_LOOKUP"] = "2 per minute"
    try:
        browser = shops["en"]
        url = status_url(browser, "SHOP-EN", tracking="NVEN000001")
        codes = [browser.client.get(url).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert shops["vi"].client.get(status_url(shops["vi"], "SHOP-VI", tracking="NVVI000001")).status_code == 200
    finally:
        app.config["RATELIMIT_SELLER_LOOKUP"] = "10000 per minute"



def test_the_form_filled_again_is_posted_with_its_token_and_stores_nothing(shops):
    browser = shops["en"]
    path = browser.link_path("SHOP-EN")
    typed = {"category": "delivery_delay", "tracking_numbers": "NVEN000001", "description": "Chưa nhận hàng"}
    assert browser.client.post(f"{path}/form", data=typed).status_code == 400  # no CSRF token: refused
    form = browser.client.post(f"{path}/form", data={**browser.form(path), **typed})
    assert form.status_code == 200 and "Chưa nhận hàng</textarea>" in form.get_data(as_text=True)
    assert ticket_count() == 0 and event_count() == 0
    assert browser.client.get(f"{path}/form").status_code == 405
    page = browser.client.get(status_url(browser, "SHOP-EN", tracking="NVEN000001", category="finance"))
    assert 'class="form-again"' in page.get_data(as_text=True) and "Back to the form" in page.get_data(as_text=True)
