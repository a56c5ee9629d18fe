"""Report dates the calendar cannot hold: local days whose start or end is no instant in UTC
(0001-01-01 in Asia/Ho_Chi_Minh begins in the year 0 there; the end of 9999-12-31 is in the year
10000) are refused with the bound in the message, never a 500: the dashboard as a field error with
422, the exports with 400, the command line as a usage error. The days at the bound work."""
from __future__ import annotations

import html as html_lib
import re

import pytest

from portal.extensions import db
from portal.models import Shipment
from portal.services import audit
from tests import factories

MANAGER = "manager@demo.test"
BOUND = "between 0001-01-02 and 9999-12-30"
FIELD = "Choose a day from 0001-01-02 to 9999-12-30."
EXPORTS = ("/reports/sla.csv", "/reports/sla.xlsx")


@pytest.fixture
def manager(client, auth, demo, now):
    # a ticket of today, so every report has something to read besides the empty range
    factories.ticket(now, seller="DEMO-002", category="finance", description="Chưa nhận tiền đối soát", tracking=())
    assert auth.login(MANAGER).status_code == 303
    return client


def field_errors(page: str) -> dict[str, str]:
    return {name: html_lib.unescape(text) for name, text in
            re.findall(r'<span class="error" id="(\w+)-error">([^<]*)</span>', page)}


OUTSIDE = [
    ({"from": "0001-01-01", "to": "0001-01-07"}, {"from"}),
    ({"from": "9999-12-25", "to": "9999-12-31"}, {"to"}),
    ({"from": "0001-01-01", "to": "9999-12-31"}, {"from", "to"}),
    ({"to": "0001-01-01"}, {"to"}),
]


@pytest.mark.parametrize(("query", "fields"), OUTSIDE)
def test_dashboard_shows_a_field_error_with_422(manager, query, fields):
    response = manager.get("/reports", query_string=query)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert BOUND in page and "Asia/Ho_Chi_Minh" in page
    assert field_errors(page) == dict.fromkeys(fields, FIELD)
    for name in fields:  # the refused field is marked, and keeps what was typed
        assert re.search(rf'<label class="has-error">[^<]*<input type="date" name="{name}" value="{query[name]}" '
                         rf'aria-invalid="true"', page), name


@pytest.mark.parametrize("path", EXPORTS)
@pytest.mark.parametrize(("query", "fields"), OUTSIDE)
def test_exports_answer_400_with_the_bound(manager, path, query, fields):
    response = manager.get(path, query_string={**query, "by": "department"})
    assert response.status_code == 400
    assert BOUND in response.get_data(as_text=True)


def test_the_message_is_translated(manager):
    manager.set_cookie("lang", "vi")
    response = manager.get("/reports", query_string={"from": "0001-01-01"})
    assert response.status_code == 422
    page = html_lib.unescape(response.get_data(as_text=True))
    assert "Ngày báo cáo phải từ 0001-01-02 đến 9999-12-30" in page
    assert "Hãy chọn một ngày từ 0001-01-02 đến 9999-12-30." in page


def test_other_refusals_of_the_dashboard_are_field_errors_too(manager):
    response = manager.get("/reports", query_string={"from": "2026-03-10", "to": "2026-03-01"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"to": "Before the start date."}
    response = manager.get("/reports", query_string={"department": "nope"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True)) == {"department": "Unknown department."}


@pytest.mark.parametrize("query", [
    {"from": "0001-01-02", "to": "0001-01-08"},
    {"from": "9999-12-24", "to": "9999-12-30"},
    {"to": "0001-01-03"},  # the default week before it is cut at the first day
])
def test_the_days_at_the_bound_work(manager, query):
    page = manager.get("/reports", query_string=query)
    assert page.status_code == 200 and "0 tickets created" in page.get_data(as_text=True)
    for by in ("ticket", "department", "day", "hour"):
        response = manager.get("/reports/sla.csv", query_string={**query, "by": by})
        text = response.get_data(as_text=True)
        assert response.status_code == 200, by
        if by == "ticket":
            assert text.count("\r\n") == 1  # the header alone
    assert manager.get("/reports/sla.xlsx", query_string={**query, "by": "day"}).status_code == 200


@pytest.mark.parametrize(("args", "option"), [
    (["--from", "0001-01-01", "--to", "0001-01-07"], "--from"),
    (["--from", "9999-12-25", "--to", "9999-12-31"], "--to"),
])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_cli_report_refuses_such_dates_as_a_usage_error(runner, demo, tmp_path, args, option, suffix):
    out = tmp_path / f"report.{suffix}"
    result = runner.invoke(args=["report", "sla", *args, "--by", "day", "--out", str(out)])
    assert result.exit_code == 2, result.output  # click's usage error
    assert f"Invalid value for {option}" in result.output and BOUND in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_cli_report_at_the_bound(runner, demo, tmp_path):
    out = tmp_path / "report.csv"
    result = runner.invoke(args=["report", "sla", "--from", "9999-12-24", "--to", "9999-12-30", "--by", "day",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("day,tickets,")


@pytest.mark.parametrize(("instant", "ok"), [
    ("0001-01-01T00:00:00+07:00", False),  # the year 0 in UTC
    ("0001-01-01T01:00:00Z", False),  # the sweep looks back SLA_MANAGER_ESCALATION_MINUTES (120) from it
    ("0001-01-01T02:00:00Z", True),
    ("9999-12-31T23:59:59Z", True),
    ("9999-12-31T23:59:59-05:00", False),  # the year 10000 in UTC
])
def test_sla_sweep_now_outside_the_calendar_is_a_usage_error(runner, demo, instant, ok):
    result = runner.invoke(args=["sla", "sweep", "--now", instant])
    if ok:
        assert result.exit_code == 0 and result.output.strip().endswith("at_risk=0 breached=0 escalated=0")
    else:
        assert result.exit_code == 2 and "Invalid value for --now" in result.output, result.output


def test_orders_import_rejects_an_instant_outside_the_calendar(runner, demo, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("tracking_number,status,last_event,event_at\n"
                    "NV12345678,delivered,Giao thành công,0001-01-01T00:00:00+07:00\n"
                    "NV12345679,delivered,Giao thành công,9999-12-31T23:59:59-05:00\n"
                    "NV12345680,delivered,Giao thành công,2026-11-23T09:30:00+07:00\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "line 2: rejected: event_at 0001-01-01T00:00:00+07:00 is outside the years 1 to 9999 in UTC" in result.output
    assert "line 3: rejected" in result.output and result.output.strip().endswith("added=1 updated=0 rejected=2")
    mine = Shipment.query.filter(Shipment.tracking_number.in_(["NV12345678", "NV12345679", "NV12345680"])).all()
    assert [s.tracking_number for s in mine] == ["NV12345680"]


def test_audit_page_takes_any_date(client, auth, demo, now):
    audit.record("test.kind", "test", "audit-date-probe", before=None, after={"x": 1}, now=now, actor_label="test")
    db.session.commit()
    assert auth.login("admin@demo.test").status_code == 303
    everything = client.get("/admin/audit", query_string={"from": "0001-01-01", "to": "9999-12-31"})
    assert everything.status_code == 200 and "audit-date-probe" in everything.get_data(as_text=True)
    nothing = client.get("/admin/audit", query_string={"from": "9999-12-31"})
    assert nothing.status_code == 200 and "audit-date-probe" not in nothing.get_data(as_text=True)
