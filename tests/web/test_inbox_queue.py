"""The queue as agents read it: what a ticket is about, department names, one status filter entry per
status, bulk actions with pickers, merge in any letter case, a transfer that lands on the inbox."""
import datetime as dt
import re

from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Ticket, User
from tests import factories
from tests.clients import csrf_from


def test_rows_show_the_start_of_the_description_and_the_department_by_name(client, demo, auth, now):
    long_text = "Đơn hàng chưa được lấy hàng từ hôm qua, shipper không đến " + "và không gọi lại " * 10
    ticket = factories.ticket(now, description=long_text)
    auth.login()
    page = client.get("/inbox?lang=vi").get_data(as_text=True)
    row = page[page.index(ticket.reference):]
    row = row[:row.index("</tr>")]
    assert "Đơn hàng chưa được lấy hàng từ hôm qua" in row
    assert "và không gọi lại " * 10 not in row  # a snippet, not the whole text
    assert "Lấy và giao hàng" in row and ">delivery<" not in row
    assert re.search(r'<td class="ref">', page) and '<main class="wide">' in page
    english = client.get("/inbox?lang=en").get_data(as_text=True)
    assert "Pickup &amp; delivery" in english


def test_each_row_speaks_the_pages_language_in_every_column(client, demo, auth, now):
    """The row's words are looked up once for the page (templating.RowWords): the checkbox label, the
    department, the age and the due time are all in the page's language, row after row."""
    tickets = [factories.ticket(now - dt.timedelta(hours=2, minutes=5 + n)) for n in range(3)]
    auth.login()
    for lang, select_word, age, department in (("vi", "chọn", "giờ", "Lấy và giao hàng"),
                                                ("en", "select", "h ", "Pickup &amp; delivery")):
        page = client.get(f"/inbox?lang={lang}").get_data(as_text=True)
        for ticket in tickets:
            row = page[page.rindex("<tr>", 0, page.index(f'value="{ticket.reference}"')):]
            row = row[:row.index("</tr>")]
            assert f'aria-label="{select_word} {ticket.reference}"' in row
            assert department in row
            ages = re.findall(r"<td>(-?\d+[^<]*)</td>", row)
            assert ages and age in ages[0], row
            assert re.search(r'data-due="[^"]+">[^<]*\d', row)  # the due time, formatted
    vietnamese = client.get("/inbox?lang=vi").get_data(as_text=True)
    assert "2 giờ 0" in vietnamese and "2h 0" not in vietnamese


def test_the_status_filter_names_each_status_once(client, demo, auth):
    auth.login()
    for lang in ("vi", "en"):
        page = client.get(f"/inbox?lang={lang}").get_data(as_text=True)
        select = re.search(r'<select name="status">(.*?)</select>', page, re.S).group(1)
        labels = re.findall(r">([^<]+)</option>", select)
        assert len(labels) == len(set(labels)) == 7, labels


def test_bulk_actions_take_their_values_from_pickers_and_say_success_as_success(client, demo, auth, now):
    a, b = factories.ticket(now), factories.ticket(now)
    auth.login("lead.delivery@demo.test")
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    bar = page[page.index('id="bulk"'):page.index("</form>", page.index('id="bulk"'))]
    assert '<option value="agent2.delivery@demo.test">Agent 2 Delivery</option>' in bar
    assert "agent1.finance@demo.test" not in bar  # only whom this lead's tickets can go to
    r = client.post("/inbox/bulk", data={"csrf_token": csrf_from(page), "action": "assign",
                                         "assignee": "agent2.delivery@demo.test", "status": "closed",
                                         "refs": [a.reference, b.reference]})
    assert r.status_code == 303
    after = client.get("/inbox?lang=en").get_data(as_text=True)
    assert '<p class="banner success" role="status">2 ticket(s) updated</p>' in after
    db.session.expire_all()
    assert {db.session.get(Ticket, t.id).assignee.email for t in (a, b)} == {"agent2.delivery@demo.test"}
    assert {db.session.get(Ticket, t.id).status for t in (a, b)} != {"closed"}  # the other picker is ignored
    client.post("/inbox/bulk", data={"csrf_token": csrf_from(after), "action": "transfer", "department": "returns",
                                     "reason": "Hàng hoàn", "refs": [a.reference]})
    db.session.expire_all()
    assert db.session.get(Ticket, a.id).department.code == "returns"
    client.post("/inbox/bulk", data={"csrf_token": csrf_from(after), "action": "status", "status": "bogus",
                                     "refs": [b.reference]})
    assert '<p class="banner error" role="alert">' in client.get("/inbox?lang=en").get_data(as_text=True)


def test_merge_takes_the_reference_in_any_letter_case(client, demo, auth, now):
    first, duplicate = factories.ticket(now), factories.ticket(now)
    auth.login()
    page = client.get(f"/tickets/{duplicate.reference}").get_data(as_text=True)
    r = client.post(f"/tickets/{duplicate.reference}/merge",
                    data={"csrf_token": csrf_from(page), "into": f"  {first.reference.lower()} "})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, duplicate.id).merged_into_id == first.id


def test_a_transfer_out_of_reach_lands_on_the_inbox_saying_where_the_ticket_went(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()  # an agent of delivery only
    page = client.get(f"/tickets/{ticket.reference}?lang=vi").get_data(as_text=True)
    assert '<option value="finance">Tài chính</option>' in page  # the picker names departments
    r = client.post(f"/tickets/{ticket.reference}/transfer",
                    data={"csrf_token": csrf_from(page), "department": "finance", "reason": "Về tiền COD"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/inbox")
    landing = client.get("/inbox?lang=vi").get_data(as_text=True)
    assert '<p class="banner success" role="status">Đã chuyển sang Tài chính.</p>' in landing


def test_a_transfer_still_in_reach_stays_on_the_ticket(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login("manager@demo.test")
    page = client.get(f"/tickets/{ticket.reference}?lang=en").get_data(as_text=True)
    r = client.post(f"/tickets/{ticket.reference}/transfer",
                    data={"csrf_token": csrf_from(page), "department": "finance", "reason": "COD"})
    assert r.headers["Location"].endswith(f"/tickets/{ticket.reference}")
    assert "Transferred to Finance." in client.get(r.headers["Location"] + "?lang=en").get_data(as_text=True)


def test_a_notification_about_a_ticket_moved_out_of_reach_names_it_without_a_link(client, demo, auth, now):
    from portal.models import Notification, User
    from portal.services import staff_actions

    kept, moved = factories.ticket(now), factories.ticket(now)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    manager = db.session.scalar(select(User).where(User.email == "manager@demo.test"))
    db.session.add_all([Notification(user_id=agent.id, ticket_id=t.id, kind="sla_at_risk", created_at=now,
                                     text=f"{t.reference} is at risk") for t in (kept, moved)])
    db.session.commit()
    staff_actions.transfer(moved, manager, "finance", "Về tiền COD", now=now)
    auth.login()
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert f'href="/tickets/{kept.reference}"' in page
    assert moved.reference in page and f'href="/tickets/{moved.reference}"' not in page


def _selects_of(client, path: str) -> list[str]:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_a_full_page_reads_no_more_than_a_page_of_one(client, demo, auth, now):
    """The queue reads what its rows show in one statement (only those columns: inbox.queue's
    rows_only): many tickets of several sellers and departments, assigned or not, cost no SELECT
    more than one ticket, and each row still shows its seller, department and assignee."""
    first = factories.ticket(now)
    auth.login("manager@demo.test")
    one = _selects_of(client, "/inbox")
    agents = db.session.scalars(select(User).where(User.role == "agent").order_by(User.id)).all()
    made = [factories.ticket(now - dt.timedelta(minutes=n), seller=f"DEMO-00{1 + n % 3}",
                             category=("delivery_delay", "finance", "app_bug")[n % 3]) for n in range(12)]
    for n, ticket in enumerate(made[:6]):
        ticket.assignee = agents[n % len(agents)]
    db.session.commit()
    assert len(_selects_of(client, "/inbox")) == len(one)
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    for ticket in [first, *made]:
        row = page[page.rindex("<tr>", 0, page.index(f'value="{ticket.reference}"')):]
        row = row[:row.index("</tr>")]
        assert ticket.seller.name in row and ticket.seller.code in row
        assert ticket.department.name.replace("&", "&amp;") in row
        assert (ticket.assignee.name if ticket.assignee else "—") in row
        assert f'href="/tickets/{ticket.reference}"' in row
