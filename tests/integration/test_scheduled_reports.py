"""The weekly summary the scheduler writes, and the CLI's XLSX output."""
import csv
import datetime as dt

import openpyxl

from portal import scheduler
from portal.extensions import db
from portal.services.runtime import runtime
from tests import factories


def test_weekly_report_covers_the_seven_days_before_today_per_department(app, demo, now):
    tz = runtime().timezone
    for days_ago in (1, 7, 8):  # 8 days ago is outside last week's window
        factories.ticket(now - dt.timedelta(days=days_ago), description="Shipper chưa đến")
    db.session.commit()
    out = scheduler.weekly_report_job(app)
    last = now.astimezone(tz).date() - dt.timedelta(days=1)
    assert out.name == f"sla-week-{last - dt.timedelta(days=6)}-{last}.csv"
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["department"], r["tickets"]) for r in rows] == [("delivery", "2")]


def test_cli_writes_xlsx_for_grouped_reports_and_refuses_it_per_ticket(app, demo, now, runner, tmp_path):
    factories.ticket(now, seller="DEMO-002", category="finance", description="Chưa nhận tiền đối soát", tracking=())
    day = now.astimezone(runtime().timezone).date().isoformat()
    out = tmp_path / "by-department.xlsx"
    result = runner.invoke(args=["report", "sla", "--from", day, "--to", day, "--by", "department", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out)["SLA"].iter_rows(values_only=True))
    assert rows[0][:2] == ("department", "tickets") and rows[1][:2] == ("finance", 1)
    refused = runner.invoke(args=["report", "sla", "--from", day, "--to", day, "--by", "ticket",
                                  "--out", str(tmp_path / "t.xlsx")])
    assert refused.exit_code != 0 and not (tmp_path / "t.xlsx").exists()
