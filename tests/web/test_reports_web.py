"""Manager reports over HTTP: dashboard with server-drawn charts, CSV and XLSX exports, access rules."""
import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest

from portal.services import staff_actions
from portal.services.runtime import runtime
from tests import factories

MANAGER = "manager@demo.test"


@pytest.fixture
def some_tickets(demo, now):
    made = []
    for minutes, category, code in ((30, "delivery_delay", "DEMO-002"), (90, "finance", "DEMO-001")):
        made.append(factories.ticket(now - dt.timedelta(minutes=minutes), seller=code, category=category,
                                     description="Đơn hàng bị chậm", tracking=()))
    staff_actions.reply(made[0], made[0].assignee, "Đã nhận", False, now=now - dt.timedelta(minutes=20))
    return made


def test_manager_sees_dashboard_with_charts(client, auth, some_tickets):
    auth.login(MANAGER)
    response = client.get("/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") >= 6 and 'viewBox="0 0 360' in html and 'width="100%"' in html
    assert "First response within target: 100.0%" in html
    for section in ("Trend per day", "First response time", "Breaches by department", "Breaches by hour of day",
                    "CSAT", "Backlog by age", "Agents"):
        assert section in html
    # every chart links to the CSV behind it, with the same filters
    for by in ("day", "ticket", "department", "hour", "agent"):
        assert re.search(rf'href="/reports/sla\.csv\?[^"]*by={by}', html), by
    assert "<script src=\"http" not in html and "cdn" not in html.lower()


def test_dashboard_filters_by_department_and_dates(client, auth, some_tickets, now):
    auth.login(MANAGER)
    today = now.astimezone(runtime().timezone).date()
    html = client.get("/reports", query_string={"department": "finance", "from": str(today - dt.timedelta(days=1)),
                                                 "to": str(today)}).get_data(as_text=True)
    assert "1 ticket created" in html and "department Finance." in html
    assert '<option value="finance" selected>' in html
    assert "department=finance" in html  # CSV links keep the filter
    empty = client.get("/reports", query_string={"from": "2020-01-01", "to": "2020-01-31"})
    assert empty.status_code == 200 and "0 tickets created" in empty.get_data(as_text=True)


def test_departments_are_named_as_people_call_them_in_the_pages_language(client, auth, some_tickets):
    auth.login(MANAGER)
    html = client.get("/reports?lang=vi").get_data(as_text=True)
    assert '<option value="finance" >Tài chính</option>' in html
    assert '<option value="delivery" >Lấy và giao hàng' in html
    chart = html[html.index('id="departments"'):]
    chart = chart[:chart.index("</section>")]
    assert ">Tài chính</text>" in chart and ">Lấy và giao hàng</text>" in chart
    assert ">finance</text>" not in chart and ">delivery</text>" not in chart
    english = client.get("/reports?lang=en&department=finance").get_data(as_text=True)
    assert "department Finance." in english and ">Finance</option>" in english


def test_csv_download(client, auth, some_tickets, now):
    auth.login(MANAGER)
    today = now.astimezone(runtime().timezone).date()
    response = client.get("/reports/sla.csv", query_string={"from": str(today - dt.timedelta(days=1)),
                                                            "to": str(today), "by": "ticket"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbfreference,")
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert len(frame) == 2 and set(frame["seller_name"]) == {"Cửa hàng Bình An", "Shop Hoa Mai"}
    grouped = client.get("/reports/sla.csv", query_string={"by": "department"})
    assert grouped.status_code == 200 and grouped.data.startswith(b"\xef\xbb\xbfdepartment,tickets,met,")


def test_xlsx_download(client, auth, some_tickets):
    auth.login(MANAGER)
    response = client.get("/reports/sla.xlsx", query_string={"by": "agent"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    header = next(book["SLA"].iter_rows(values_only=True))
    assert header[:4] == ("agent", "agent_name", "tickets", "met")
    refused = client.get("/reports/sla.xlsx", query_string={"by": "ticket"})
    assert refused.status_code == 400 and "XLSX is for grouped reports" in refused.get_data(as_text=True)


def test_agent_is_forbidden(client, auth, demo):
    auth.login("agent1.delivery@demo.test")
    assert client.get("/reports").status_code == 403
    assert client.get("/reports/sla.csv").status_code == 403
    assert client.get("/reports/sla.xlsx").status_code == 403


def test_anonymous_is_sent_to_login(client, demo):
    response = client.get("/reports/sla.csv")
    assert response.status_code in (302, 401) and "/login" in response.headers.get("Location", "/login")


@pytest.mark.parametrize(("path", "query", "message"), [
    ("/reports", {"from": "2026-13-01"}, "from must be a date like 2026-11-23."),
    ("/reports/sla.csv", {"to": "yesterday"}, "to must be a date like 2026-11-23."),
    ("/reports/sla.csv", {"from": "2026-03-10", "to": "2026-03-01"}, "The end date is before the start date."),
    ("/reports/sla.csv", {"from": "2000-01-01", "to": "2026-03-01"}, "Choose a range of at most ten years."),
    ("/reports/sla.csv", {"by": "unknown"},
     "by must be one of ticket, department, agent, category, day, hour, seller, reason."),
    ("/reports/sla.xlsx", {"by": "unknown"}, "by must be one of"),
    ("/reports", {"department": "nope"}, "Unknown department nope."),
    ("/reports/sla.csv", {"department": "nope"}, "Unknown department nope."),
])
def test_bad_input_gives_400_with_a_clear_message(client, auth, demo, path, query, message):
    auth.login(MANAGER)
    response = client.get(path, query_string=query)
    # the dashboard shows its filters again with the refused field marked (422); an export has no page
    assert response.status_code == (422 if path == "/reports" else 400)
    assert message in response.get_data(as_text=True)


def test_dashboard_backlog_counts_open_tickets_created_before_the_range(client, auth, demo, now):
    factories.ticket(now - dt.timedelta(days=10), seller="DEMO-002", category="finance",
                     description="Chưa nhận tiền đối soát", tracking=())
    auth.login(MANAGER)
    html = client.get("/reports").get_data(as_text=True)  # the last seven days: the ticket is older
    assert "0 tickets created" in html
    assert "Finance: 1 over 3 days" in html  # in the backlog chart, by name
    assert re.search(r"<dt>Backlog at \w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d\u202f[AP]M</dt><dd>1</dd>", html)
    assert "whatever its creation date" in html
    frame = pd.read_csv(io.BytesIO(client.get("/reports/sla.csv", query_string={"by": "department"}).data),
                        encoding="utf-8-sig").set_index("department")
    assert frame.loc["finance", "tickets"] == 0 and frame.loc["finance", "backlog_over_3d"] == 1
