"""The manager's SLA dashboard and its CSV export, downloaded through the browser; its charts measured
as Chromium draws them (no two axis labels overlap, at a week, a quarter and a year, on a laptop and a
phone) and the page checked with axe-core."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

import pytest

from sla import charts
from tests.browser.axe_check import assert_accessible

BOM = b"\xef\xbb\xbf"

# per chart: its labels' boxes in the chart's own units (getBBox: before the label is turned), the angle
# they are turned by, the boxes of the bars' labels and values, and the drawing's left and right edges
MEASURE = """() => [...document.querySelectorAll('svg.chart')].map(svg => ({
  section: svg.closest('section').id,
  left: svg.viewBox.baseVal.x, right: svg.viewBox.baseVal.x + svg.viewBox.baseVal.width,
  axis: [...svg.querySelectorAll('text.axis-label')].map(t => {
    const b = t.getBBox();
    const turned = /rotate\\((-?[\\d.]+)/.exec(t.getAttribute('transform') || '');
    return {x: b.x, width: b.width, height: b.height, angle: turned ? Math.abs(+turned[1]) : 0,
            anchor: +t.getAttribute('x'), text: t.textContent, font: +getComputedStyle(t).fontSize.replace('px', '')};
  }),
  bars: [...svg.querySelectorAll('text.bar-label')].map(t => ({x: t.getBBox().x, text: t.childNodes[0].textContent})),
  values: [...svg.querySelectorAll('text.bar-value')].map(t => ({end: t.getBBox().x + t.getBBox().width,
                                                                  text: t.childNodes[0].textContent})),
}))"""


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


def _assert_labels_apart(chart: dict) -> None:
    """Level labels: their drawn boxes do not meet. Turned labels: parallel lines of text whose distance
    across (the distance of their anchors × sin of the angle) exceeds the drawn text's height."""
    axis = chart["axis"]
    for a, b in zip(axis, axis[1:], strict=False):
        if a["angle"] == 0:
            assert a["x"] + a["width"] < b["x"], f"{chart['section']}: {a['text']!r} overlaps {b['text']!r}"
        else:
            across = (b["anchor"] - a["anchor"]) * math.sin(math.radians(a["angle"]))
            assert across >= a["height"] * 0.9, f"{chart['section']}: turned {a['text']!r} and {b['text']!r} touch"
    for label in axis:  # the server's estimate of a label's width is an upper bound of what Chromium draws
        assert label["width"] <= charts.text_width(label["text"], 11) + 0.5, label
        turned = label["width"] * math.cos(math.radians(label["angle"]))
        start = label["anchor"] - turned if label["angle"] else label["x"]
        assert start >= chart["left"] - 0.5, f"{chart['section']}: {label['text']!r} is cut at the left edge"
    for bar in chart["bars"]:
        assert bar["x"] >= chart["left"], f"{chart['section']}: {bar['text']!r} runs off the chart"
    for value in chart["values"]:
        assert value["end"] <= chart["right"], f"{chart['section']}: {value['text']!r} runs off the chart"


@pytest.mark.parametrize(("days", "grain"), [(7, "day"), (31, "day"), (90, "week"), (365, "month")])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_chart_labels_never_overlap_and_the_dashboard_is_accessible(staff, days, grain, lang):
    manager = staff.login("manager@demo.test")
    manager.goto("/reports")
    today = dt.date.fromisoformat(manager.locator("input[name=to]").input_value())
    manager.goto(f"/reports?from={today - dt.timedelta(days=days - 1)}&to={today}&lang={lang}")
    assert manager.locator("#trend").get_attribute("data-grain") == grain
    for width in (1366, 390):
        manager.set_viewport_size({"width": width, "height": 900})
        measured = manager.evaluate(MEASURE)
        assert {c["section"] for c in measured} >= {"trend", "first-response", "departments", "hours", "csat",
                                                    "backlog"}
        for chart in measured:
            _assert_labels_apart(chart)
        histogram = next(c for c in measured if c["section"] == "first-response")
        assert len(histogram["axis"]) == 8, "a first-response bucket lost its label"
    # every chart's numbers are in a table a screen reader reaches; the drawings are hidden from it
    assert manager.locator("table.visually-hidden caption").count() >= 6
    assert manager.locator("svg.chart:not([aria-hidden=true])").count() == 0
    assert_accessible(manager, f"the dashboard over {days} days ({lang})")


def test_a_reversed_range_is_a_field_error_and_accessible(staff):
    manager = staff.login("manager@demo.test")
    response = manager.goto("/reports?from=2026-11-20&to=2026-11-10")
    assert response.status == 422
    field = manager.get_by_label(re.compile("^To"))
    assert field.get_attribute("aria-invalid") == "true"
    assert manager.locator("#to-error").inner_text().strip()
    assert manager.get_by_role("heading", level=1).inner_text().strip() == "Reports"
    assert_accessible(manager, "the dashboard refusing a reversed range")
