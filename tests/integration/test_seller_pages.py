"""The seller's list and ticket pages through the test client, on the suite's database (SQLite or
PostgreSQL): rows show the start of the description and the status label, every ticket is reached
by paging, a merged ticket links to the one it went into; CSAT only where a person answered, on a
labelled 1–5 scale; the browser's upload check is handed the server's own limits and messages.
(New staff replies: test_seller_new_replies.py.)"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Shipment, Ticket, User
from portal.services import staff_actions, tickets
from tests import factories
from tests.clients import csrf_from, seller_browser
from tests.files import png

AGENT = "agent1.delivery@demo.test"
LONG = ("Shipper hẹn đến lấy hàng lúc 9 giờ sáng nhưng đến giờ vẫn chưa thấy ai, khách đang hối đơn và "
        "muốn hủy nếu chiều nay không giao được; PHẦN-CUỐI-KHÔNG-HIỆN")


def agent() -> User:
    return db.session.scalar(select(User).where(User.email == AGENT))


def rows(html: str) -> dict[str, str]:
    """Each row of a ticket list by reference: its text, tags taken out."""
    found = re.findall(r'<li><a href="[^"]*/tickets/([^"]+)">(.*?)</li>', html, flags=re.S)
    return {ref: " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split()) for ref, body in found}


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def post(client, page: str, url: str, **data):
    home = page.rsplit("/tickets/", 1)[0]  # a closed ticket's page has no form: the link's page has one
    return client.post(url, data={"csrf_token": csrf_from(page_of(client, home)), **data},
                       content_type="multipart/form-data")


# --- rows: snippet and status ----------------------------------------------------------------

@pytest.mark.parametrize(("lang", "status_label", "category_label"), [
    ("en", "New", "Pickup / delivery delay"), ("vi", "Mới", "Trễ lấy / giao hàng")])
def test_rows_show_the_start_of_the_description_and_the_status_label(app, demo, now, lang, status_label,
                                                                      category_label):
    browser = seller_browser(app, lang)
    path = browser.link_path()
    ticket = factories.ticket(now - dt.timedelta(hours=1), description=LONG)
    for url in (path, f"{path}/tickets"):
        row = rows(page_of(browser.client, url))[ticket.reference]
        assert " ".join(LONG[:100].split()) in row and "PHẦN-CUỐI" not in row and "…" in row
        assert status_label in row and category_label in row
        assert "new" not in row.split(), "a label, never the status code"


def test_a_short_description_is_shown_whole(client, demo, seller, now):
    ticket = factories.ticket(now - dt.timedelta(hours=1), description="Đơn chưa lấy\nGọi lại giúp")
    row = rows(page_of(client, seller.link_path()))[ticket.reference]
    assert "Đơn chưa lấy Gọi lại giúp" in row and "…" not in row


# --- paging ------------------------------------------------------------------------------------

def test_paging_reaches_every_ticket_once_and_comes_back(client, demo, seller, now):
    start = now - dt.timedelta(hours=5)
    # pairs created in the same instant, so the order also rests on the id
    made = [factories.ticket(start + dt.timedelta(minutes=i // 2), description=f"Câu hỏi số {i}", tracking=(),
                             category="other").reference for i in range(35)]
    factories.ticket(start, seller="DEMO-002", category="other", tracking=())  # another seller's never appear
    path = seller.link_path()
    pages, url = [], f"{path}/tickets"
    while url:
        html = page_of(client, url)
        pages.append((list(rows(html)), html))
        older = re.search(r'rel="next" href="([^"]+)">Older tickets', html)
        url = htmllib.unescape(older.group(1)) if older else None
        assert len(pages) < 5
    seen = [ref for refs, _html in pages for ref in refs]
    assert seen == made[::-1] and len(set(seen)) == 35
    assert [len(refs) for refs, _html in pages] == [30, 5]
    assert "Newer tickets" not in pages[0][1] and "Newest" not in pages[0][1]

    newer = re.search(r'rel="prev" href="([^"]+)">Newer tickets', pages[1][1])
    assert newer and "Newest" in pages[1][1]
    back = page_of(client, htmllib.unescape(newer.group(1)))
    assert list(rows(back)) == pages[0][0]
    assert "Newer tickets" not in back and "Older tickets" in back


def test_a_middle_page_links_both_ways(client, demo, seller, now):
    made = [factories.ticket(now - dt.timedelta(hours=3) + dt.timedelta(minutes=i), category="other",
                             tracking=()).reference for i in range(70)]
    path = seller.link_path()
    middle = page_of(client, f"{path}/tickets?before={made[::-1][29]}")
    assert list(rows(middle)) == made[::-1][30:60]
    newer = htmllib.unescape(re.search(r'rel="prev" href="([^"]+)"', middle).group(1))
    older = htmllib.unescape(re.search(r'rel="next" href="([^"]+)"', middle).group(1))
    assert list(rows(page_of(client, newer))) == made[::-1][:30]
    assert list(rows(page_of(client, older))) == made[::-1][60:]


# --- merged tickets ----------------------------------------------------------------------------

def test_a_merged_ticket_links_to_the_ticket_it_went_into(client, demo, seller, now):
    path = seller.link_path()
    duplicate = factories.ticket(now - dt.timedelta(hours=2))
    kept = factories.ticket(now - dt.timedelta(hours=1))
    staff_actions.merge(duplicate, agent(), kept.reference, now=now)
    html = page_of(client, f"{path}/tickets/{duplicate.reference}")
    link = f'<a href="{path}/tickets/{kept.reference}">{kept.reference}</a>'
    assert f"This ticket was merged into {link}; the conversation goes on there." in html
    assert "merged into" not in page_of(client, f"{path}/tickets/{kept.reference}")

    vi = seller_browser(client.application, "vi")
    assert f"Yêu cầu này đã được gộp vào {link}" in page_of(vi.client, f"{path}/tickets/{duplicate.reference}")


# --- CSAT ---------------------------------------------------------------------------------------

def _answered_and_resolved(ticket: Ticket, now: dt.datetime) -> None:
    staff_actions.reply(ticket, agent(), "Đã giao lại cho bưu cục.", False, now=now)
    staff_actions.change_status(ticket, agent(), "resolved", now=now + dt.timedelta(minutes=1))


def _refused(client, path: str, ticket: Ticket, message: str) -> None:
    page = f"{path}/tickets/{ticket.reference}"
    assert 'name="score"' not in page_of(client, page), "no rating asked"
    response = post(client, page, f"{page}/rating", score="5")
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).csat_score is None


def test_no_rating_without_a_human_answer(client, demo, seller, now):
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    staff_actions.change_status(ticket, agent(), "resolved", now=now)
    _refused(client, seller.link_path(), ticket, "You can rate the answer once our team has replied.")


def test_no_rating_on_a_ticket_the_seller_resolved(client, demo, seller, now):
    shipment = db.session.get(Shipment, "NVDEMO00001")
    ticket = factories.ticket(now - dt.timedelta(hours=1), tracking=(shipment.tracking_number,))
    tickets.self_resolve(ticket, now=now)
    _refused(client, seller.link_path(), ticket, "You resolved this ticket yourself, so there is no answer to rate.")


def test_no_rating_on_a_self_resolved_ticket_even_after_a_reply(client, demo, seller, now):
    ticket = factories.ticket(now - dt.timedelta(hours=1), tracking=("NVDEMO00001",))
    factories.message(ticket, "Đang kiểm tra", by=agent(), now=now - dt.timedelta(minutes=30))
    tickets.self_resolve(ticket, now=now)
    _refused(client, seller.link_path(), ticket, "You resolved this ticket yourself")


def test_no_rating_on_a_merged_ticket(client, demo, seller, now):
    duplicate = factories.ticket(now - dt.timedelta(hours=2))
    kept = factories.ticket(now - dt.timedelta(hours=1))
    factories.message(duplicate, "Đang kiểm tra", by=agent(), now=now - dt.timedelta(minutes=30))
    staff_actions.merge(duplicate, agent(), kept.reference, now=now)
    _refused(client, seller.link_path(), duplicate, "This ticket was merged into another one; rate the answer there.")


def test_a_rating_is_taken_once_a_person_answered(client, demo, seller, now):
    path = seller.link_path()
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    page = f"{path}/tickets/{ticket.reference}"
    _answered_and_resolved(ticket, now)
    assert 'name="score"' in page_of(client, page)
    assert post(client, page, f"{page}/rating", score="4", comment="Nhanh").status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).csat_score == 4
    html = page_of(client, page)
    assert "You rated this answer 4/5" in html and 'name="score"' not in html


@pytest.mark.parametrize(("lang", "legend", "labels"), [
    ("en", "How satisfied are you?", ["1 — Very unhappy", "2 — Unhappy", "3 — Neither happy nor unhappy",
                                      "4 — Happy", "5 — Very happy"]),
    ("vi", "Bạn hài lòng đến mức nào?", ["1 — Rất không hài lòng", "2 — Không hài lòng", "3 — Bình thường",
                                         "4 — Hài lòng", "5 — Rất hài lòng"])])
def test_the_rating_is_a_labelled_scale(app, demo, now, lang, legend, labels):
    browser = seller_browser(app, lang)
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    _answered_and_resolved(ticket, now)
    html = page_of(browser.client, f"{browser.link_path()}/tickets/{ticket.reference}")
    fieldset = re.search(r'<fieldset class="rating-scale">(.*?)</fieldset>', html, flags=re.S)
    assert fieldset, "the scale is one fieldset"
    inner = fieldset.group(1)
    assert re.search(r"<legend>\s*(.*?)\s*</legend>", inner).group(1) == legend
    found = re.findall(r'<label for="(score-\d)"><input type="radio" id="(score-\d)" name="score" value="(\d)">'
                       r'\s*(.*?)</label>', inner)
    assert [(f, i, v) for f, i, v, _text in found] == [(f"score-{n}", f"score-{n}", str(n)) for n in range(1, 6)]
    assert [" ".join(htmllib.unescape(text).split()) for *_ids, text in found] == labels


# --- the browser's upload check says what the server says ----------------------------------------

def _checks(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="form-checks" hidden([^>]*)>', html).group(1)
    return {name: htmllib.unescape(value) for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_page_hands_the_browser_the_servers_limits_and_messages(app, demo, lang):
    browser = seller_browser(app, lang)
    path = browser.link_path()
    html = page_of(browser.client, path)
    checks = _checks(html)
    assert int(checks["max-bytes"]) == int(app.config["UPLOAD_MAX_MB"] * 1024 * 1024)
    assert int(checks["max-files"]) == app.config["UPLOAD_MAX_FILES"]
    assert checks["types"].split() == ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]
    assert checks["tracking-required"].split() == ["delivery_delay", "order_return_status"]
    assert "seller-checks.js" in html

    form = browser.form(path)
    too_big = b"\x89PNG\r\n\x1a\n" + b"0" * int(checks["max-bytes"])
    cases = [("anh lon.png", too_big, "msg-size", "anh lon"), ("hoa-don.exe", b"MZ\x90\x00 not an image", "msg-type",
                                                                  "hoa-don"), ("trong.png", b"", "msg-empty", "trong")]
    for name, data, key, shown in cases:
        response = browser.post_form(path, form, attachments=[(io.BytesIO(data), name)])
        assert response.status_code == 422
        said = htmllib.unescape(response.get_data(as_text=True))
        assert checks[key].replace("{file}", shown) in said, (key, checks[key])

    many = [(io.BytesIO(png()), f"a{i}.png") for i in range(int(checks["max-files"]) + 1)]
    response = browser.post_form(path, form, attachments=many)
    assert response.status_code == 422 and checks["msg-count"] in htmllib.unescape(response.get_data(as_text=True))


def test_the_ticket_page_checks_reply_files_too(client, demo, seller, now):
    ticket = factories.ticket(now - dt.timedelta(hours=1))
    html = page_of(client, f"{seller.link_path()}/tickets/{ticket.reference}")
    assert _checks(html)["msg-size"] == "{file} is larger than 1 MB." and "seller-checks.js" in html

