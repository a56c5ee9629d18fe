"""Honest promises: the form states each kind of problem's promise in the answering team's terms,
the ticket page says why a promise falls on a later working day, and a re-applied policy that moves
promised times says whose and marks them as updated on the seller's page."""
from __future__ import annotations

import datetime as dt
import html as html_lib
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Ticket
from portal.services import departments, policies
from portal.services.runtime import runtime
from tests import factories
from tests.clients import csrf_from, seller_browser

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.get_data(as_text=True))


def business_hours(code: str, now: dt.datetime, **weekly: str) -> None:
    """The department works the standard week (or `weekly`, hours_0=… as the admin form types them),
    with no public holidays, so the tests do not depend on the year's calendar."""
    weekly_hours = {int(key[-1]): value for key, value in weekly.items()} or None
    departments.set_calendar(code, True, "Asia/Ho_Chi_Minh", [], weekly_hours=weekly_hours, country=None,
                             actor="test", now=now)


def last_weekday(weekday: int, hour: int, now: dt.datetime) -> dt.datetime:
    """The latest local `weekday` at `hour`:00 before now."""
    local = now.astimezone(SAIGON).replace(hour=hour, minute=0, second=0, microsecond=0)
    local -= dt.timedelta(days=(local.weekday() - weekday) % 7)
    if local >= now:
        local -= dt.timedelta(days=7)
    return local


@pytest.fixture
def finance_hours(demo, now):
    business_hours("finance", now)


def test_the_form_states_each_categorys_promise_in_english(client, seller, finance_hours):
    page = text(client.get(seller.link_path()))
    assert "The Finance team answers within 4 working hours — Mon–Fri 08:00–17:30, Sat 08:00–12:00" in page
    assert "The Pickup & delivery team answers within 4 hours — day and night, 24/7" in page
    assert 'data-category="finance"' in page and 'data-category="delivery_delay"' in page
    assert "promise.js" in page


def test_the_form_states_the_promise_in_vietnamese(app, finance_hours):
    browser = seller_browser(app, "vi")
    page = text(browser.client.get(browser.link_path()))
    assert "Bộ phận Tài chính trả lời trong vòng 4 giờ làm việc — Thứ 2–Thứ 6 08:00–17:30, Thứ 7 08:00–12:00" in page
    assert "Bộ phận Lấy và giao hàng trả lời trong vòng 4 giờ — cả ngày lẫn đêm, 24/7" in page


def test_the_promise_follows_the_departments_policy_and_hours(client, seller, demo, now):
    business_hours("finance", now, hours_0="08:00-12:00, 13:00-17:00", hours_2="08:00-17:00")
    policies.set_policy("finance", "*", 90, 30, None, actor="test", now=now, rt=runtime())
    page = text(client.get(seller.link_path()))
    assert ("The Finance team answers within 1 h 30 min of working time — Mon 08:00–12:00, 13:00–17:00; "
            "Wed 08:00–17:00") in page


def test_a_team_in_another_zone_names_it(app, client, seller, demo, now):
    departments.set_calendar("apps", True, "Asia/Bangkok", [], country=None, actor="test", now=now)
    page = text(client.get(seller.link_path()))
    assert "The Seller apps team answers within 4 working hours — Mon–Fri 08:00–17:30, Sat 08:00–12:00 " \
           "(Asia/Bangkok time)" in page
    browser = seller_browser(app, "vi")
    assert "Thứ 7 08:00–12:00 (giờ Asia/Bangkok)" in text(browser.client.get(browser.link_path()))


def finance_ticket(created: dt.datetime) -> Ticket:
    return factories.ticket(created.astimezone(dt.UTC), category="finance", tracking=(),
                            description="Chưa nhận được tiền đối soát COD tuần trước.")


def ticket_page(client, seller, ticket: Ticket) -> str:
    return text(client.get(f"{seller.link_path()}/tickets/{ticket.reference}"))


def test_a_ticket_sent_on_friday_evening_says_why_it_waits(client, seller, demo, now):
    business_hours("finance", now, hours_0="08:00-17:30", hours_1="08:00-17:30", hours_2="08:00-17:30",
                   hours_3="08:00-17:30", hours_4="08:00-17:30")
    ticket = finance_ticket(last_weekday(4, 18, now))
    page = ticket_page(client, seller, ticket)
    assert "You wrote after 17:30 on Friday" in page
    assert "when the Finance team had closed; it answers from Monday" in page
    assert "Monday 08:00" in page.replace(",", "")


def test_friday_evening_in_vietnamese(app, now, demo):
    business_hours("finance", now)
    ticket = finance_ticket(last_weekday(4, 18, now))
    browser = seller_browser(app, "vi")
    page = text(browser.client.get(f"{browser.link_path()}/tickets/{ticket.reference}"))
    assert "Bạn gửi sau 17:30 Thứ Sáu, khi bộ phận Tài chính đã hết giờ làm việc" in page
    assert "Thứ Bảy" in page and "08:00" in page


def test_a_ticket_sent_close_to_closing_says_so(client, seller, finance_hours, now):
    ticket = finance_ticket(last_weekday(0, 16, now))
    page = ticket_page(client, seller, ticket)
    assert "You wrote at 16:00 on Monday, less than 4 working hours before the Finance team closes at 17:30" in page
    assert "the rest of the time counts from Tuesday" in page


def test_a_ticket_sent_on_sunday_says_the_team_does_not_work(client, seller, finance_hours, now):
    page = ticket_page(client, seller, finance_ticket(last_weekday(6, 10, now)))
    assert "You wrote on Sunday, a day the Finance team does not work; it answers from Monday" in page


def test_a_promise_within_working_hours_needs_no_explanation(client, seller, finance_hours, now):
    page = ticket_page(client, seller, finance_ticket(last_weekday(1, 9, now)))
    assert "promise-why" not in page and "You wrote" not in page


def test_a_24_7_team_never_explains(client, seller, demo, now):
    ticket = factories.ticket(last_weekday(4, 23, now).astimezone(dt.UTC))  # due 03:00 on Saturday
    page = ticket_page(client, seller, ticket)
    assert "promise-why" not in page


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return auth


def reapply(client, **data):
    token = csrf_from(client.get("/admin/policies").get_data(as_text=True))
    return client.post("/admin/policies/reapply", data={"csrf_token": token, **data})


def test_reapplying_a_policy_counts_tickets_and_sellers_and_marks_the_promises(app, client, admin, now):
    made = [factories.ticket(now - dt.timedelta(minutes=10), seller=code) for code in ("DEMO-001", "DEMO-001",
                                                                                     "DEMO-002")]
    factories.ticket(now - dt.timedelta(minutes=10), seller="DEMO-003", category="finance", tracking=())
    token = csrf_from(client.get("/admin/policies").get_data(as_text=True))
    client.post("/admin/policies", data={"csrf_token": token, "department": "delivery", "priority": "*",
                                         "first_response_minutes": "120", "at_risk_minutes": "",
                                         "resolution_minutes": ""})
    preview = text(reapply(client, scope="delivery"))
    assert "3 open ticket(s) of Pickup & delivery" in preview
    assert "The promised answer time moves for 2 sellers" in preview
    db.session.expire_all()
    assert all(t.promise_updated_at is None for t in db.session.scalars(select(Ticket)))

    assert reapply(client, scope="delivery", confirm="yes").status_code == 303
    db.session.expire_all()
    marked = {t.reference: t.promise_updated_at for t in db.session.scalars(select(Ticket))}
    assert all(marked[t.reference] is not None for t in made)
    assert len([v for v in marked.values() if v is not None]) == 3

    browser = seller_browser(app, "en")
    page = text(browser.client.get(f"{browser.link_path('DEMO-001')}/tickets/{made[0].reference}"))
    assert "Updated" in page and "this promised time was changed at" in page
    vi = seller_browser(app, "vi")
    page = text(vi.client.get(f"{vi.link_path('DEMO-001')}/tickets/{made[0].reference}"))
    assert "Đã cập nhật" in page and "thời hạn trả lời này đã được thay đổi lúc" in page
    other = text(browser.client.get(f"{browser.link_path('DEMO-003')}/tickets/"
                                    f"{next(r for r, v in marked.items() if v is None)}"))
    assert "promise-updated" not in other


def test_a_preview_that_moves_nothing_counts_no_seller(client, admin, now):
    factories.ticket(now - dt.timedelta(minutes=10))
    preview = text(reapply(client, scope="delivery"))
    assert "No open ticket would change" in preview and "promised answer time moves" not in preview
