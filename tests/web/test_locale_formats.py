"""The same page in English and in Vietnamese: dates, times and figures each in their language's own
format, in the portal's time zone, while machine values (`<time datetime>`, `data-due`, date inputs,
CSV) stay ISO in both; and the texts the scripts show come translated from the page."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Seller
from portal.services import sellers
from tests import factories

CREATED = dt.datetime(2026, 3, 5, 7, 30, tzinfo=dt.UTC)  # Thursday 5 March, 14:30 in Ho Chi Minh City
DUE = dt.datetime(2026, 3, 5, 11, 30, tzinfo=dt.UTC)  # 18:30 there, long past: the promise is missed
NNBSP = "\u202f"  # English (CLDR) writes a narrow no-break space before AM / PM


def page(client, path: str, lang: str, **query) -> str:
    response = client.get(path, query_string={**query, "lang": lang})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    return html


@pytest.fixture
def ticket(demo):
    # whatever the department's calendar: a fixed due time to read back
    return factories.ticket(CREATED, category="finance", description="Chưa nhận tiền đối soát COD tuần trước",
                            tracking=(), first_response_due_at=DUE)


def test_staff_ticket_page_dates_and_times(client, auth, ticket):
    auth.login("admin@demo.test")
    path = f"/tickets/{ticket.reference}"
    en, vi = page(client, path, "en"), page(client, path, "vi")
    assert f"Mar 5, 2026, 2:30{NNBSP}PM" in en and f"Mar 5, 2026, 6:30{NNBSP}PM" in en
    assert "14:30 5 thg 3, 2026" in vi and "18:30 5 thg 3, 2026" in vi
    assert "05/03/2026" not in en + vi  # the old fixed format, in neither language
    due = f'data-due="{DUE.isoformat()}"'
    assert due in en and due in vi


def test_seller_promise_in_each_language(client, seller, ticket):
    path = f"{seller.link_path('DEMO-001')}/tickets/{ticket.reference}"
    en, vi = page(client, path, "en"), page(client, path, "vi")
    assert f"We promised to answer by Thu, 3/5, 6:30{NNBSP}PM and are late." in en
    assert "Chúng tôi hẹn trả lời trước 18:30 Th 5, 5/3 và đang bị trễ." in vi
    assert f"Mar 5, 2026, 2:30{NNBSP}PM" in en and "14:30 5 thg 3, 2026" in vi  # the seller's message


def test_dashboard_dates_and_figures(client, auth, ticket):
    auth.login("manager@demo.test")
    en, vi = (page(client, "/reports", lang, **{"from": "2026-03-01", "to": "2026-03-07"}) for lang in ("en", "vi"))
    assert "1 ticket created Mar 1, 2026 – Mar 7, 2026 (Asia/Ho_Chi_Minh)." in en
    assert "1 yêu cầu được tạo từ 1 thg 3, 2026 đến 7 thg 3, 2026 (Asia/Ho_Chi_Minh)." in vi
    assert "First response within target: 0.0%" in en and "Phản hồi đầu tiên đúng hạn: 0,0%" in vi
    # the day under each column of the trend chart
    assert ">3/5</text>" in en and ">5/3</text>" in vi
    for html in (en, vi):  # the date fields keep their ISO values
        assert 'name="from" value="2026-03-01"' in html and 'name="to" value="2026-03-07"' in html


def test_large_numbers_are_grouped_the_language_s_way(client, auth, demo):
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Seller))
    db.session.execute(sa.insert(Seller), [{"code": f"BULK-{n:05d}", "name": f"Shop {n}"}
                                           for n in range(1234 - existing)])
    db.session.commit()
    auth.login("admin@demo.test")
    assert "1,234 sellers." in page(client, "/admin/sellers", "en")
    assert "1.234 người bán." in page(client, "/admin/sellers", "vi")


def test_csv_export_stays_iso_in_both_languages(client, auth, ticket):
    auth.login("manager@demo.test")
    query = {"by": "ticket", "from": "2026-03-01", "to": "2026-03-07"}
    for lang in ("en", "vi"):
        body = client.get("/reports/sla.csv", query_string={**query, "lang": lang}).get_data(as_text=True)
        assert "2026-03-05T14:30:00+07:00" in body and "thg" not in body, lang


def test_scripts_get_their_texts_in_the_page_language(client, auth, demo):
    en, vi = page(client, "/login", "en"), page(client, "/login", "vi")
    assert 'data-text-sending="Sending…"' in en and 'data-text-due-in="in {time}"' in en
    assert 'data-text-sending="Đang gửi…"' in vi and 'data-text-due-in="còn {time}"' in vi
    assert 'data-text-overdue="trễ {time}"' in vi
    auth.login("admin@demo.test")
    seller = sellers.by_code("DEMO-001")
    detail = page(client, f"/admin/sellers/{seller.id}", "vi")
    assert 'data-text-copied="Đã sao chép ✓"' in detail
    assert 'data-text-failed="Hãy chọn và sao chép đường dẫn"' in detail
    routing = page(client, "/admin/routing", "vi")
    assert 'data-text-invalid-at="JSON chưa hợp lệ: xem dòng {line}, cột {column}."' in routing
    assert 'data-text-valid="JSON đúng cú pháp;' in routing


def test_ages_in_the_queue_and_the_countdown_words(client, auth, ticket):
    auth.login("admin@demo.test")
    en, vi = page(client, "/inbox", "en", status="all"), page(client, "/inbox", "vi", status="all")
    hours = (dt.datetime.now(dt.UTC) - CREATED).total_seconds() // 3600
    en_age, vi_age = re.search(r"<td>(\d+)h (\d\d)m</td>", en), re.search(r"<td>(\d+) giờ (\d\d) phút</td>", vi)
    assert en_age and vi_age and abs(int(en_age.group(1)) - hours) <= 1 and abs(int(vi_age.group(1)) - hours) <= 1
    assert 'data-text-duration="{h}h {m}m"' in en and 'data-text-duration="{h} giờ {m} phút"' in vi


def test_the_same_instant_reads_in_the_portal_zone_of_the_moment(app):
    from portal.templating import localtime

    with app.test_request_context("/?lang=en"):
        app.extensions.pop("portal.runtime", None)
        try:
            app.config["PORTAL_TIMEZONE"] = "Asia/Ho_Chi_Minh"
            assert localtime(CREATED) == f"Mar 5, 2026, 2:30{NNBSP}PM"
            app.config["PORTAL_TIMEZONE"] = "UTC"
            app.extensions.pop("portal.runtime", None)
            assert localtime(CREATED) == f"Mar 5, 2026, 7:30{NNBSP}AM"
        finally:
            app.config["PORTAL_TIMEZONE"] = "Asia/Ho_Chi_Minh"
            app.extensions.pop("portal.runtime", None)
