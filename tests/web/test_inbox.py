"""Staff inbox: login, access rules, queue order, actions and their events."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, Ticket
from tests import factories

PASSWORD = "demo-password-2026"


def kinds(ticket):
    return [e.kind for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id))]


def test_login_wrong_user_and_wrong_password_answer_the_same(client, demo, auth):
    wrong_user = auth.login("nobody@demo.test", PASSWORD)
    wrong_password = auth.login("agent1.delivery@demo.test", "not-the-password")
    assert wrong_user.status_code == wrong_password.status_code == 401
    assert wrong_user.get_data(as_text=True) .count("Wrong e-mail or password") == 1
    assert wrong_password.get_data(as_text=True).count("Wrong e-mail or password") == 1
    assert client.get("/inbox").status_code == 302


def test_agent_sees_own_department_queue_ordered_by_due_time(client, demo, auth, now):
    later = factories.ticket(now)
    sooner = factories.ticket(now - dt.timedelta(hours=2))
    other = factories.ticket(now, category="finance", description="Chưa nhận tiền COD")
    assert auth.login().status_code == 303
    html = client.get("/inbox").get_data(as_text=True)
    assert sooner.reference in html and later.reference in html
    assert html.index(sooner.reference) < html.index(later.reference)
    assert other.reference not in html
    assert client.get(f"/tickets/{other.reference}").status_code == 404
    assert client.get(f"/tickets/{later.reference}").status_code == 200


def test_manager_sees_every_department(client, demo, auth, now):
    a, b = factories.ticket(now), factories.ticket(now, category="app_bug", description="Ứng dụng bị lỗi")
    auth.login("manager@demo.test")
    html = client.get("/inbox").get_data(as_text=True)
    assert a.reference in html and b.reference in html


@pytest.mark.parametrize("q", ["reference", "NV12345678", "DEMO-001", "lay hang", "LẤY HÀNG"])
def test_search_by_reference_tracking_seller_and_words(client, demo, auth, now, q):
    ticket = factories.ticket(now)
    factories.ticket(now, seller="DEMO-002", description="Khách yêu cầu đổi địa chỉ giao", tracking=("NV55555555",))
    auth.login()
    html = client.get("/inbox", query_string={"q": ticket.reference if q == "reference" else q}).get_data(as_text=True)
    assert ticket.reference in html
    assert html.count("/tickets/T-") == 1


def test_reply_sets_first_response_and_seller_sees_it(client, demo, auth, now, seller):
    ticket = factories.ticket(now)
    auth.login()
    response = auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}",
                         body="Chúng tôi đã liên hệ bưu cục.")
    assert response.status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.first_responded_at is not None and ticket.status == "open"
    assert "badge-met" in client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert "Chúng tôi đã liên hệ bưu cục." in client.get(
        f"{seller.link_path()}/tickets/{ticket.reference}").get_data(as_text=True)
    assert kinds(ticket)[-2:] == ["replied", "status_changed"]


def test_internal_note_does_not_stop_the_clock(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    auth.post(f"/tickets/{ticket.reference}/reply", f"/tickets/{ticket.reference}", body="ghi chú", internal="1")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).first_responded_at is None
    assert kinds(ticket)[-1] == "note_added"


def test_status_transitions_allowed_and_refused(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    page = f"/tickets/{ticket.reference}"
    assert auth.post(f"{page}/status", page, status="closed").status_code == 303
    refused = auth.post(f"{page}/status", page, status="open")
    assert refused.status_code == 409 and "cannot become open" in refused.get_data(as_text=True)


def test_transfer_keeps_the_clock_and_needs_a_reason(client, demo, auth, now):
    ticket = factories.ticket(now)
    due = ticket.first_response_due_at
    auth.login()
    page = f"/tickets/{ticket.reference}"
    assert auth.post(f"{page}/transfer", page, department="finance", reason="").status_code == 422
    assert auth.post(f"{page}/transfer", page, department="finance", reason="Là câu hỏi về COD").status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.department.code == "finance" and ticket.first_response_due_at == due
    transfer = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "transferred")).one()
    assert transfer.data == {"old": "delivery", "new": "finance", "reason": "Là câu hỏi về COD"}
    # the delivery agent no longer sees it
    assert client.get(page).status_code == 404


def test_assign_priority_and_merge(client, demo, auth, now):
    ticket, duplicate = factories.ticket(now), factories.ticket(now)
    auth.login("lead.delivery@demo.test")
    page = f"/tickets/{ticket.reference}"
    assert auth.post(f"{page}/assign", page, assignee="agent2.delivery@demo.test").status_code == 303
    assert auth.post(f"{page}/assign", page, assignee="agent1.finance@demo.test").status_code == 422
    assert auth.post(f"{page}/priority", page, priority="urgent").status_code == 303
    dpage = f"/tickets/{duplicate.reference}"
    assert auth.post(f"{dpage}/merge", dpage, into=ticket.reference).status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).assignee.email == "agent2.delivery@demo.test"
    assert db.session.get(Ticket, ticket.id).priority == "urgent"
    dup = db.session.get(Ticket, duplicate.id)
    assert dup.status == "closed" and dup.merged_into_id == ticket.id
    assert "merged" in kinds(ticket) and "merged" in kinds(dup)


def test_staff_posts_need_csrf(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    response = client.post(f"/tickets/{ticket.reference}/reply", data={"body": "no token"})
    assert response.status_code == 400


def test_seller_link_cannot_reach_staff_pages(client, demo, seller, now):
    ticket = factories.ticket(now)
    client.get(seller.link_path())
    for url in ("/inbox", f"/tickets/{ticket.reference}", "/reports", "/reports/sla.csv"):
        assert client.get(url).status_code == 302


def test_agent_cannot_open_reports(client, demo, auth):
    auth.login()
    assert client.get("/reports").status_code == 403


def test_logout_is_post_only(client, demo, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert auth.post("/logout", "/inbox").status_code == 303
    assert client.get("/inbox").status_code == 302


def test_healthz_reports_database_and_scheduler(client, app, now):
    from portal import scheduler
    from portal.services import sla_jobs

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "scheduler": "never"}
    scheduler.sweep_job(app)
    db.session.rollback()  # the test's long-lived session would otherwise keep its old snapshot
    assert client.get("/healthz").json["scheduler"] == "ok"
    sla_jobs.beat("sla-sweep", now - dt.timedelta(minutes=30))
    assert client.get("/healthz").json == {"status": "ok", "database": "ok", "scheduler": "stale"}


def test_auto_refresh_partial_keeps_filters_and_returns_rows_only(client, demo, auth, now):
    delivery = factories.ticket(now)
    urgent = factories.ticket(now - dt.timedelta(minutes=5))
    auth.login("lead.delivery@demo.test")
    page = f"/tickets/{urgent.reference}"
    auth.post(f"{page}/priority", page, priority="urgent")
    html = client.get("/inbox", query_string={"priority": "urgent"}).get_data(as_text=True)
    assert 'data-refresh="/inbox?priority=urgent"' in html
    partial = client.get("/inbox?priority=urgent", headers={"X-Partial": "1"}).get_data(as_text=True)
    assert "<html" not in partial and urgent.reference in partial and delivery.reference not in partial


def test_keyset_pagination_walks_the_queue_in_due_order(client, demo, auth, now, monkeypatch):
    from portal.services import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    made = [factories.ticket(now - dt.timedelta(minutes=m)) for m in (1, 2, 3, 4, 5)]
    expected = [t.reference for t in sorted(made, key=lambda t: (t.first_response_due_at, t.id))]
    auth.login()
    seen, url, pages = [], "/inbox", 0
    for _ in range(5):
        pages += 1
        html = client.get(url).get_data(as_text=True)
        seen += [r for r in expected if f">{r}<" in html]
        nxt = re.search(r'href="(/inbox\?after=[^"]+)">Next page', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    assert seen == expected and pages == 3


def _listed(client, **query) -> list[str]:
    html = client.get("/inbox", query_string=query).get_data(as_text=True)
    return re.findall(r'href="/tickets/(T-[0-9-]+)"', html)


def test_word_search_needs_every_word_in_any_order_even_inside_words(client, demo, auth, now):
    pickup = factories.ticket(now, description="Shipper chưa đến lấy hàng")
    factories.ticket(now, description="Khách yêu cầu đổi địa chỉ giao", tracking=("NV55555555",))
    auth.login()
    assert _listed(client, q="hàng lấy") == [pickup.reference]
    assert _listed(client, q="hipp") == [pickup.reference]
    assert _listed(client, q="lấy hàng giao") == []


@pytest.mark.parametrize("q,found", [
    ("đi", "address"), ("%", "special"), ("_", "special"), ("100%", "special"), ("lỗi_app", "special"),
    ("it's", "special"), ("\\", "special"), ('"', None), ('a"b', None), ("chỉ%", None), ("'; --", None),
    ("loi%app", None), ("loi_ap_", None),
])
def test_short_words_and_special_characters_are_searched_literally(client, demo, auth, now, q, found):
    made = {"pickup": factories.ticket(now, description="Shipper chưa đến lấy hàng"),
            "address": factories.ticket(now, description="Khách yêu cầu đổi địa chỉ giao", tracking=("NV55555555",)),
            "special": factories.ticket(now, description="Khách nói it's 100% lỗi_app \\ rồi",
                                        tracking=("NV66666666",))}
    auth.login()
    response = client.get("/inbox", query_string={"q": q})
    assert response.status_code == 200
    assert _listed(client, q=q) == ([made[found].reference] if found else [])


def test_word_search_reads_the_queue_when_a_word_is_in_too_many_tickets(client, demo, auth, now, monkeypatch):
    from portal.services import inbox

    matching = [factories.ticket(now - dt.timedelta(minutes=m), description=f"Hoàn tiền phí COD lần {m}")
                for m in (3, 1, 2)]
    factories.ticket(now, description="Shipper chưa đến lấy hàng")
    expected = [t.reference for t in sorted(matching, key=lambda t: (t.first_response_due_at, t.id))]
    auth.login()
    assert _listed(client, q="hoan tien") == expected
    monkeypatch.setattr(inbox, "SEARCH_CANDIDATES", 1)
    assert _listed(client, q="hoan tien") == expected


def test_word_search_pages_through_matches_in_due_order(client, demo, auth, now, monkeypatch):
    from portal.services import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    matching = [factories.ticket(now - dt.timedelta(minutes=m), description=f"Đối soát COD tuần {m}")
                for m in (5, 1, 4, 2, 3)]
    factories.ticket(now - dt.timedelta(minutes=9), description="Shipper chưa đến lấy hàng")
    expected = [t.reference for t in sorted(matching, key=lambda t: (t.first_response_due_at, t.id))]
    auth.login()
    seen, url = [], "/inbox?q=doi+soat"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/tickets/(T-[0-9-]+)"', html)
        nxt = re.search(r'href="(/inbox\?[^"]*after=[^"]+)">[^<]*→', html)  # the next-page link
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    assert seen == expected


@pytest.mark.parametrize("cursor", ["9999-12-31T23:59:59-14:00|1", "0001-01-01T00:00:00+14:00|1",
                                    "2026-11-23T10:00:00+00:00|99999999999", "2026-11-23T10:00:00|-1",
                                    "x|1", "|", "2026-11-23T10:00:00+00:00|١٢"])
def test_a_forged_cursor_is_the_first_page_never_an_error(client, demo, auth, now, cursor):
    ticket = factories.ticket(now)
    auth.login()
    response = client.get("/inbox", query_string={"after": cursor})
    assert response.status_code == 200 and ticket.reference in response.get_data(as_text=True)
