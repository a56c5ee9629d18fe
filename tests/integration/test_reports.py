"""SLA reports end to end on the real database: tickets made through the services at chosen times,
then the CSV / XLSX read back. The finance department gets a business calendar (Monday–Friday
08:00–17:00, Monday 2026-03-09 a holiday); the others stay 24/7. Dates are local (UTC+7)."""
import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import Department, User
from portal.services import reports, staff_actions, tickets
from portal.services.errors import InvalidInput
from portal.services.reports import facts as report_facts
from portal.services.reports import queries as report_queries
from portal.services.runtime import runtime
from sla import aggregates, ticket_report
from tests import factories

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=ICT)
FINANCE_CALENDAR = {"kind": "business", "timezone": "Asia/Ho_Chi_Minh",
                    "weekly_hours": {str(d): [["08:00", "17:00"]] for d in range(5)}, "holidays": ["2026-03-09"]}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ICT)


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def csv_rows(day_from, day_to, by, department=None, now=NOW) -> tuple[str, pd.DataFrame]:
    written = "".join(reports.sla_csv(day_from, day_to, by, now=now, timezone=runtime().timezone,
                                      department=department))
    raw = written.encode("utf-8")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return written, frame


@pytest.fixture
def scenario(app, demo):
    """A: answered in time, reply, resolved, rated 5. B: answered late, resolved, reopened by the
    seller, answered, resolved again, rated 3. C: finance (business hours) answered after a weekend
    and a holiday by the manager. D: created 23:30 local, never answered."""
    finance = db.session.scalar(select(Department).where(Department.code == "finance"))
    finance.calendar_json = json.dumps(FINANCE_CALENDAR)
    db.session.commit()
    rt = runtime()
    a = factories.ticket(at(6, 9), seller="DEMO-002", description="Đơn hàng giao chậm ba ngày.")
    agent1, agent2 = user("agent1.delivery@demo.test"), user("agent2.delivery@demo.test")
    staff_actions.assign(a, agent1, "agent1.delivery@demo.test", now=at(6, 9, 1))
    staff_actions.reply(a, agent1, "Chúng tôi đang kiểm tra.", False, now=at(6, 9, 30))
    staff_actions.reply(a, agent1, "Ghi chú nội bộ", True, now=at(6, 9, 40))  # internal: not a response
    tickets.seller_reply(a, "Cảm ơn, khi nào giao?", (), now=at(6, 10), rt=rt)
    staff_actions.reply(a, agent1, "Chiều nay sẽ giao.", False, now=at(6, 10, 20))
    staff_actions.reply(a, agent1, "Đã giao xong.", False, now=at(6, 10, 50))  # follow-up: not counted
    staff_actions.change_status(a, agent1, "resolved", now=at(6, 11))
    tickets.rate(a, 5, "Tốt", now=at(6, 11, 30))

    b = factories.ticket(at(6, 20), seller="DEMO-001", description="Shipper chưa giao hàng.")
    staff_actions.assign(b, agent2, "agent2.delivery@demo.test", now=at(6, 20, 1))
    staff_actions.reply(b, agent2, "Xin lỗi vì chậm trễ.", False, now=at(7, 1))
    staff_actions.change_status(b, agent2, "resolved", now=at(7, 1, 30))
    tickets.seller_reply(b, "Vẫn chưa nhận được hàng!", (), now=at(7, 2), rt=rt)  # reopens
    staff_actions.reply(b, agent2, "Đã giao lại.", False, now=at(7, 2, 30))
    staff_actions.change_status(b, agent2, "resolved", now=at(7, 3))
    tickets.rate(b, 3, None, now=at(7, 3, 10))

    c = factories.ticket(at(6, 16), seller="DEMO-002", category="finance",
                         description="Chưa nhận được tiền đối soát COD.")
    manager = user("manager@demo.test")
    staff_actions.assign(c, manager, "manager@demo.test", now=at(6, 16, 5))
    staff_actions.reply(c, manager, "Kế toán sẽ chuyển khoản hôm nay.", False, now=at(10, 9))

    d = factories.ticket(at(9, 23, 30), seller="DEMO-003", category="app_bug",
                         description="Ứng dụng bị treo khi in vận đơn.")
    return {"A": a.reference, "B": b.reference, "C": c.reference, "D": d.reference}


def test_ticket_csv_equals_expected_values(scenario):
    text, frame = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")
    assert text.startswith("\ufeff") and "\r\n" in text
    assert list(frame.columns) == ticket_report.TICKET_COLUMNS
    expected = [
        {"reference": scenario["A"], "seller_code": "DEMO-002", "department": "delivery",
         "category": "delivery_delay", "priority": "normal", "status": "resolved",
         "agent": "agent1.delivery@demo.test", "created_at": "2026-03-06T09:00:00+07:00",
         "first_response_due_at": "2026-03-06T13:00:00+07:00", "first_responded_at": "2026-03-06T09:30:00+07:00",
         "first_response_minutes": "30.0", "sla_met": "true", "resolved_at": "2026-03-06T11:00:00+07:00",
         "handling_minutes": "120.0", "csat": "5", "seller_name": "Cửa hàng Bình An",
         "agent_name": "Agent 1 Delivery", "first_response_business_minutes": "30.0",
         "handling_business_minutes": "120.0", "responses": "2", "response_mean_minutes": "25.0",
         "response_business_mean_minutes": "25.0", "reopens": "0", "self_resolved": "false"},
        {"reference": scenario["C"], "seller_code": "DEMO-002", "department": "finance", "category": "finance",
         "priority": "normal", "status": "open", "agent": "manager@demo.test",
         "created_at": "2026-03-06T16:00:00+07:00",
         # 1 business hour on Friday, weekend and Monday holiday closed, 3 hours on Tuesday
         "first_response_due_at": "2026-03-10T11:00:00+07:00", "first_responded_at": "2026-03-10T09:00:00+07:00",
         "first_response_minutes": "5340.0", "sla_met": "true", "resolved_at": "", "handling_minutes": "",
         "csat": "", "seller_name": "Cửa hàng Bình An", "agent_name": "Manager Trần Thu",
         "first_response_business_minutes": "120.0", "handling_business_minutes": "", "responses": "1",
         "response_mean_minutes": "5340.0", "response_business_mean_minutes": "120.0", "reopens": "0",
         "self_resolved": "false"},
        {"reference": scenario["B"], "seller_code": "DEMO-001", "department": "delivery",
         "category": "delivery_delay", "priority": "normal", "status": "resolved",
         "agent": "agent2.delivery@demo.test", "created_at": "2026-03-06T20:00:00+07:00",
         "first_response_due_at": "2026-03-07T00:00:00+07:00", "first_responded_at": "2026-03-07T01:00:00+07:00",
         "first_response_minutes": "300.0", "sla_met": "false", "resolved_at": "2026-03-07T03:00:00+07:00",
         "handling_minutes": "420.0", "csat": "3", "seller_name": "Shop Hoa Mai", "agent_name": "Agent 2 Delivery",
         "first_response_business_minutes": "300.0", "handling_business_minutes": "420.0", "responses": "2",
         "response_mean_minutes": "165.0", "response_business_mean_minutes": "165.0", "reopens": "1",
         "self_resolved": "false"},
        {"reference": scenario["D"], "seller_code": "DEMO-003", "department": "apps", "category": "app_bug",
         "priority": "normal", "status": "new", "agent": "agent1.apps@demo.test",
         "created_at": "2026-03-09T23:30:00+07:00", "first_response_due_at": "2026-03-10T03:30:00+07:00",
         "first_responded_at": "", "first_response_minutes": "", "sla_met": "false", "resolved_at": "",
         "handling_minutes": "", "csat": "", "seller_name": "Tiệm Sách Nhỏ", "agent_name": "Agent 1 Apps",
         "first_response_business_minutes": "", "handling_business_minutes": "", "responses": "0",
         "response_mean_minutes": "", "response_business_mean_minutes": "", "reopens": "0",
         "self_resolved": "false"},
    ]
    assert frame.to_dict(orient="records") == expected


def test_department_csv_equals_expected_values(scenario):
    _text, frame = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "department")
    assert list(frame.columns) == ["department", *aggregates.GROUP_COLUMNS]
    rows = {r["department"]: r for r in frame.to_dict(orient="records")}
    assert sorted(rows) == ["apps", "delivery", "finance"]
    none = {c: "" for c in aggregates.GROUP_COLUMNS}
    zero_backlog = {c: "0" for c in aggregates.BACKLOG_BUCKETS}
    assert rows["delivery"] == {
        **none, "department": "delivery", "tickets": "2", "met": "1", "breached": "1", "pending": "0",
        "met_share": "0.5", "first_response_median_minutes": "165.0", "first_response_mean_minutes": "165.0",
        "first_response_p90_minutes": "273.0", "csat_mean": "4.0", "csat_satisfied_share": "0.5",
        "self_resolved": "0", "handling_mean_minutes": "270.0", "first_response_business_median_minutes": "165.0",
        "first_response_business_mean_minutes": "165.0", "first_response_business_p90_minutes": "273.0",
        "responses": "4", "response_mean_minutes": "95.0", "response_business_mean_minutes": "95.0",
        "resolved": "2", "handling_median_minutes": "270.0", "handling_business_mean_minutes": "270.0",
        "reopens": "1", "self_resolved_share": "0.0", "csat_responses": "2", "open": "0", **zero_backlog,
        "reopened": "1", "reopened_share": "0.5"}
    assert rows["finance"] == {
        **none, "department": "finance", "tickets": "1", "met": "1", "breached": "0", "pending": "0",
        "met_share": "1.0", "first_response_median_minutes": "5340.0", "first_response_mean_minutes": "5340.0",
        "first_response_p90_minutes": "5340.0", "self_resolved": "0",
        "first_response_business_median_minutes": "120.0", "first_response_business_mean_minutes": "120.0",
        "first_response_business_p90_minutes": "120.0", "responses": "1", "response_mean_minutes": "5340.0",
        "response_business_mean_minutes": "120.0", "resolved": "0", "reopens": "0", "self_resolved_share": "0.0",
        "csat_responses": "0", "open": "1", **zero_backlog, "backlog_over_3d": "1", "reopened": "0",
        "reopened_share": "0.0"}
    assert rows["apps"] == {
        **none, "department": "apps", "tickets": "1", "met": "0", "breached": "1", "pending": "0",
        "met_share": "0.0", "self_resolved": "0", "responses": "0", "resolved": "0", "reopens": "0",
        "self_resolved_share": "0.0", "csat_responses": "0", "open": "1", **zero_backlog,
        "backlog_4h_to_24h": "1", "reopened": "0", "reopened_share": "0.0"}


def test_other_groupings(scenario):
    _text, agents = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "agent")
    assert agents[["agent", "agent_name", "tickets", "met", "breached"]].values.tolist() == [
        ["agent1.apps@demo.test", "Agent 1 Apps", "1", "0", "1"],
        ["agent1.delivery@demo.test", "Agent 1 Delivery", "1", "1", "0"],
        ["agent2.delivery@demo.test", "Agent 2 Delivery", "1", "0", "1"],
        ["manager@demo.test", "Manager Trần Thu", "1", "1", "0"]]
    _text, hours = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "hour")
    assert hours[["hour", "tickets"]].values.tolist() == [["9", "1"], ["16", "1"], ["20", "1"], ["23", "1"]]
    _text, sellers_ = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "seller")
    assert sellers_[["seller_code", "seller_name", "tickets"]].values.tolist() == [
        ["DEMO-001", "Shop Hoa Mai", "1"], ["DEMO-002", "Cửa hàng Bình An", "2"], ["DEMO-003", "Tiệm Sách Nhỏ", "1"]]
    _text, finance = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "category", department="finance")
    assert finance[["category", "tickets"]].values.tolist() == [["finance", "1"]]


def test_local_day_boundary(scenario):
    # D was created 2026-03-09 23:30 local = 16:30 UTC: it belongs to the 9th, not the 10th
    _text, ninth = csv_rows(dt.date(2026, 3, 9), dt.date(2026, 3, 9), "ticket")
    _text, tenth = csv_rows(dt.date(2026, 3, 10), dt.date(2026, 3, 10), "ticket")
    assert ninth["reference"].tolist() == [scenario["D"]]
    assert tenth.empty and list(tenth.columns) == ticket_report.TICKET_COLUMNS
    _text, days = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "day")
    assert days[["day", "tickets"]].values.tolist() == [["2026-03-06", "3"], ["2026-03-09", "1"]]


def test_vietnamese_text_survives_a_pandas_round_trip(scenario, tmp_path):
    out = tmp_path / "tickets.csv"
    reports.write_report(out, dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket", now=NOW,
                         timezone=runtime().timezone)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert frame.columns[0] == "reference"
    assert set(frame["seller_name"]) == {"Cửa hàng Bình An", "Shop Hoa Mai", "Tiệm Sách Nhỏ"}
    assert "Manager Trần Thu" in set(frame["agent_name"])


def test_cli_report_writes_csv(scenario, runner, tmp_path):
    out = tmp_path / "dept.csv"
    result = runner.invoke(args=["report", "sla", "--from", "2026-03-05", "--to", "2026-03-10", "--by", "department",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert frame["department"].tolist() == ["apps", "delivery", "finance"]
    assert frame["tickets"].tolist() == [1, 2, 1]


def test_xlsx_of_an_aggregate_report(scenario, tmp_path):
    out = tmp_path / "dept.xlsx"
    reports.write_report(out, dt.date(2026, 3, 5), dt.date(2026, 3, 10), "seller", now=NOW,
                         timezone=runtime().timezone)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["SLA", "About"]
    rows = list(book["SLA"].iter_rows(values_only=True))
    assert list(rows[0]) == ["seller_code", "seller_name", *aggregates.GROUP_COLUMNS]
    assert [r[:3] for r in rows[1:]] == [("DEMO-001", "Shop Hoa Mai", 1), ("DEMO-002", "Cửa hàng Bình An", 2),
                                         ("DEMO-003", "Tiệm Sách Nhỏ", 1)]
    header = list(rows[0])
    assert rows[2][header.index("met_share")] == 1.0 and rows[2][header.index("csat_mean")] == 5.0
    assert rows[3][header.index("first_response_median_minutes")] is None  # empty cell, not NaN
    with pytest.raises(InvalidInput):
        reports.sla_xlsx(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket", now=NOW, timezone=runtime().timezone)


def test_ticket_report_streams_in_chunks(scenario, monkeypatch):
    monkeypatch.setattr(report_facts, "CHUNK", 1)
    chunks = list(reports.sla_csv(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket", now=NOW,
                                  timezone=runtime().timezone))
    assert chunks[0] == "\ufeff" and len(chunks) == 5  # BOM, then one chunk per ticket
    assert chunks[1].startswith("reference,") and not chunks[2].startswith("reference,")
    one_go = "".join(chunks)
    monkeypatch.setattr(report_facts, "CHUNK", 50_000)
    assert one_go == "".join(reports.sla_csv(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket", now=NOW,
                                             timezone=runtime().timezone))


def test_bad_input_is_refused_before_streaming(app, demo):
    tz = runtime().timezone
    with pytest.raises(InvalidInput, match="by must be one of"):
        reports.sla_csv(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "week", now=NOW, timezone=tz)
    with pytest.raises(InvalidInput, match="before the start"):
        reports.sla_csv(dt.date(2026, 3, 10), dt.date(2026, 3, 5), "ticket", now=NOW, timezone=tz)
    with pytest.raises(InvalidInput, match="Unknown department"):
        reports.sla_csv(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket", now=NOW, timezone=tz,
                        department="nope")


def test_empty_range_gives_headers_only(app, demo):
    text, frame = csv_rows(dt.date(2020, 1, 1), dt.date(2020, 1, 2), "agent")
    assert text.startswith("\ufeffagent,agent_name,tickets,") and frame.empty


def test_backlog_counts_old_open_tickets_whatever_their_creation_date(scenario):
    # E: created before the range and never answered; it is not one of the range's tickets, but it is
    # in the backlog at the end of the range (here now): 9 days old
    old = factories.ticket(at(1, 10), seller="DEMO-001", description="Đơn hàng cũ chưa ai trả lời.")
    _text, tickets_ = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")
    assert old.reference not in set(tickets_["reference"])
    _text, frame = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "department")
    delivery = frame.set_index("department").loc["delivery"]
    assert (delivery["tickets"], delivery["open"]) == ("2", "0")
    assert [delivery[c] for c in aggregates.BACKLOG_BUCKETS] == ["0", "0", "0", "1"]
    board = reports.dashboard(dt.date(2026, 3, 5), dt.date(2026, 3, 10), now=NOW, timezone=runtime().timezone)
    assert board.totals["tickets"] == 4 and board.backlog_at == NOW
    assert [board.totals[c] for c in aggregates.BACKLOG_BUCKETS] == [0, 1, 0, 2]  # D; C and E


def test_backlog_of_a_past_range_is_what_was_open_at_its_end(scenario):
    old = factories.ticket(at(1, 10), seller="DEMO-001", description="Đơn hàng cũ chưa ai trả lời.")
    # the 6th ends at 7th 00:00 local: B (20:00, resolved only at 01:30 on the 7th) and C (16:00) were
    # open, 4 and 8 hours old; A was resolved at 11:00; D did not exist yet; E was 5 days 14 hours old
    _text, frame = csv_rows(dt.date(2026, 3, 6), dt.date(2026, 3, 6), "department")
    rows = frame.set_index("department")
    assert sorted(rows.index) == ["delivery", "finance"]
    assert [rows.loc["delivery", c] for c in aggregates.BACKLOG_BUCKETS] == ["0", "1", "0", "1"]
    assert [rows.loc["finance", c] for c in aggregates.BACKLOG_BUCKETS] == ["0", "1", "0", "0"]
    assert rows.loc["delivery", "tickets"] == "2"
    _text, agents = csv_rows(dt.date(2026, 3, 6), dt.date(2026, 3, 6), "agent")
    # E went to the least loaded delivery agent: a row of its own when that is not A's or B's agent
    assert old.assignee.email in set(agents["agent"])


@pytest.mark.parametrize("by", reports.GROUPED)
def test_grouped_reports_fed_one_ticket_at_a_time_are_the_same(scenario, monkeypatch, by):
    factories.ticket(at(1, 10), seller="DEMO-001", description="Đơn hàng cũ chưa ai trả lời.")
    whole, _ = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), by)
    monkeypatch.setattr(report_facts, "CHUNK", 1)
    assert csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), by)[0] == whole


def test_dashboard_fed_one_ticket_at_a_time_is_the_same(scenario, monkeypatch):
    def board():
        data = reports.dashboard(dt.date(2026, 3, 5), dt.date(2026, 3, 10), now=NOW, timezone=runtime().timezone)
        return data.totals, [t.to_dict("records") for t in (data.by_day, data.by_hour, data.by_department,
                                                             data.by_agent, data.histogram)], data.unanswered
    whole = board()
    monkeypatch.setattr(report_facts, "CHUNK", 1)
    assert repr(board()) == repr(whole)
    assert whole[0]["tickets"] == 4 and whole[2] == 1


def test_sqlite_reads_the_same_rows_by_index_or_by_scanning(scenario, monkeypatch):
    start, end = reports.local_range(dt.date(2026, 3, 5), dt.date(2026, 3, 10), runtime().timezone)
    if db.engine.dialect.name != "sqlite":  # PostgreSQL plans for itself: never told to scan
        monkeypatch.setattr(report_queries, "SCAN_SHARE", 0.0)
        assert report_queries.scan_whole_table(start, end, None) is False
        assert csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")[0].count("\r\n") == 5
        return
    for department_id in (None, db.session.scalar(select(Department.id).where(Department.code == "delivery"))):
        query = report_queries.ticket_query(start, end, department_id, scan=True)
        sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row) for row in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "SCAN tickets" in plan and "INDEX" not in plan, plan
    texts = []
    for share, scanned in ((2.0, False), (0.0, True)):
        monkeypatch.setattr(report_queries, "SCAN_SHARE", share)
        assert report_queries.scan_whole_table(start, end, None) is scanned
        texts.append(csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")[0])
    assert texts[0] == texts[1] and texts[0].count("\r\n") == 5


@pytest.mark.parametrize("zone", ["UTC", "Asia/Ho_Chi_Minh", "America/New_York"])
def test_the_database_sessions_time_zone_does_not_move_the_reports_times(scenario, zone):
    """PostgreSQL renders a timestamptz in the session's time zone: the report reads its times in UTC
    whatever that is (SQLite keeps UTC text and has no session time zone)."""
    whole, _ = csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")
    board = reports.dashboard(dt.date(2026, 3, 5), dt.date(2026, 3, 10), now=NOW, timezone=runtime().timezone)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})  # this transaction
    assert csv_rows(dt.date(2026, 3, 5), dt.date(2026, 3, 10), "ticket")[0] == whole
    again = reports.dashboard(dt.date(2026, 3, 5), dt.date(2026, 3, 10), now=NOW, timezone=runtime().timezone)
    assert repr(again.totals) == repr(board.totals) and again.by_hour.equals(board.by_hour)
    assert whole.count("\r\n") == 5  # the header and four tickets
