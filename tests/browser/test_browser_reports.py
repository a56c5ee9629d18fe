"""The manager's SLA dashboard and its CSV export, downloaded through the browser."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

BOM = b"\xef\xbb\xbf"


def test_manager_sees_dashboard_and_downloads_csv(staff):
    manager = staff.login("manager@demo.test")
    manager.get_by_role("link", name="Reports").click()
    manager.wait_for_url("**/reports")

    headline = manager.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(r"First response within target: \d{1,3}(\.\d)?%", headline.strip()), headline
    summary = manager.locator("main").inner_text()
    counted = re.search(r"(\d+) tickets created", summary)
    assert counted, "no ticket count under the headline"
    total = int(counted.group(1))
    assert total >= 36, f"the demo tickets of the last days are missing: {total}"
    # the per-department breakdown names every department with tickets in the range
    by_department = manager.locator("section.card", has=manager.get_by_role(
        "heading", name=re.compile(r"by department", re.I))).first
    assert by_department.is_visible()
    shown = by_department.text_content()
    for name in ("Pickup & delivery", "Orders & returns", "Finance", "Seller apps"):
        assert name in shown, f"{name} missing from the department breakdown"

    departments = _download_csv(manager, "department")
    assert {r["department"] for r in departments} >= {"delivery", "returns", "finance", "apps"}
    assert sum(int(r["tickets"]) for r in departments) == total

    tickets = _download_csv(manager, "ticket")
    assert len(tickets) == total, f"the CSV has {len(tickets)} tickets, the dashboard counts {total}"
    assert all(re.fullmatch(r"T-\d{4}-\d{4}", r["reference"]) for r in tickets)


def _download_csv(page, by: str) -> list[dict[str, str]]:
    with page.expect_download() as info:
        page.locator("a[href*='/reports/sla.csv']").filter(has_text=re.compile(rf"^\s*{by}\s*$")).click()
    download = info.value
    assert re.fullmatch(rf"sla-{by}-\d{{4}}-\d{{2}}-\d{{2}}-\d{{4}}-\d{{2}}-\d{{2}}\.csv",
                        download.suggested_filename), download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(BOM), f"no UTF-8 BOM: the file starts with {data[:8]!r}"
    text = data[len(BOM):].decode("utf-8")
    header = text.splitlines()[0].split(",")
    if by == "ticket":
        assert header[0] == "reference" and {"sla_met", "csat", "first_response_due_at"} <= set(header), header
    else:
        assert header[0] == by and {"tickets", "met", "breached", "met_share"} <= set(header), header
    return list(csv.DictReader(io.StringIO(text)))
