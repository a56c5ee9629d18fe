"""The dashboard's charts read at any range: no two axis labels overlap (their places and widths read
from the SVG), long ranges are drawn per ISO week or month and say so, names too long for the bars
are cut with the full name in a tooltip, and every chart has a hidden table with its numbers."""
import datetime as dt
import math
import re
from html.parser import HTMLParser

import pytest

from portal.services import staff_actions
from portal.services.runtime import runtime
from sla import charts
from tests import factories

MANAGER = "manager@demo.test"
FONT = 11


class Chart(HTMLParser):
    """The charts of one page section: per SVG its axis labels (x, y, angle, text), its bars' tooltips,
    and the hidden tables (caption, header, rows of cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[tuple[float, float, float, str]] = []
        self.bar_labels: list[tuple[str, str]] = []  # (shown text, tooltip or '')
        self.tooltips: list[str] = []
        self.tables: list[dict] = []
        self.hidden_svgs = 0
        self._text: dict | None = None
        self._rect = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self.hidden_svgs += a.get("aria-hidden") == "true"
        elif tag == "text" and a.get("class") in ("axis-label", "bar-label"):
            turned = re.match(r"rotate\((-?[\d.]+)", a.get("transform") or "")
            self._text = {"class": a["class"], "x": float(a["x"]), "y": float(a["y"]),
                          "angle": abs(float(turned.group(1))) if turned else 0.0, "text": "", "title": ""}
        elif tag == "rect":
            self._rect = True
        elif tag == "title" and self._rect:
            self.tooltips.append("")
        elif tag == "title" and self._text is not None:
            self._text["in_title"] = True
        elif tag == "table" and "visually-hidden" in (a.get("class") or ""):
            self.tables.append({"caption": "", "head": [], "rows": [], "scopes": []})
        elif tag in ("th", "td", "caption") and self.tables:
            self._cell = []
            if tag == "th":
                self.tables[-1]["scopes"].append(a.get("scope"))
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])

    def handle_data(self, data):
        if self._text is not None:
            self._text["title" if self._text.get("in_title") else "text"] += data
        elif self._rect and self.tooltips and self.lasttag == "title":
            self.tooltips[-1] += data
        elif self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "text" and self._text is not None:
            t = self._text
            if t["class"] == "axis-label":
                self.labels.append((t["x"], t["y"], t["angle"], t["text"]))
            else:
                self.bar_labels.append((t["text"], t["title"]))
            self._text = None
        elif tag == "rect":
            self._rect = False
        elif tag in ("th", "td", "caption") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if tag == "caption":
                self.tables[-1]["caption"] = text
            else:
                self.tables[-1]["rows"][-1].append(text)
            self._cell = None


def section(html: str, name: str) -> Chart:
    start = html.index(f'id="{name}"')
    chart = Chart()
    chart.feed(html[start:html.index("</section>", start)])
    return chart


def assert_no_overlap(labels):
    """Neighbouring labels are apart by more than their (estimated, generous) widths when level, by more
    than the font's height across when turned."""
    assert labels
    for (x1, _y1, a1, t1), (x2, _y2, a2, t2) in zip(labels, labels[1:], strict=False):
        assert a1 == a2
        if a1 == 0:
            gap = (x2 - x1) - (charts.text_width(t1, FONT) + charts.text_width(t2, FONT)) / 2
        else:
            gap = (x2 - x1) * math.sin(math.radians(a1)) - FONT
        assert gap >= 0, f"{t1!r} and {t2!r} overlap by {-gap:.1f}"


def today() -> dt.date:
    return dt.datetime.now(runtime().timezone).date()


@pytest.fixture
def manager(client, auth, demo, now):
    """Tickets spread over the last year (a few days apart), one of them answered late."""
    for days in (0, 1, 3, 20, 40, 80, 150, 200, 300, 360):
        factories.ticket(now - dt.timedelta(days=days, minutes=30), seller="DEMO-001" if days % 2 else "DEMO-002",
                         category="finance" if days % 3 else "delivery_delay", description="Đơn hàng bị chậm",
                         tracking=())
    answered = factories.ticket(now - dt.timedelta(hours=3), seller="DEMO-001", tracking=())
    staff_actions.reply(answered, answered.assignee, "Đã nhận", False, now=now - dt.timedelta(hours=2))
    assert auth.login(MANAGER).status_code == 303
    return client


def dashboard(client, days: int, lang: str = "en") -> str:
    end = today()
    response = client.get("/reports", query_string={"from": str(end - dt.timedelta(days=days - 1)), "to": str(end),
                                                    "lang": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("days", "grain", "bars"), [(31, "day", 31), (90, "week", None), (365, "month", None)])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_trend_labels_never_overlap(manager, days, grain, bars, lang):
    html = dashboard(manager, days, lang)
    assert f'id="trend" data-grain="{grain}"' in html
    trend = section(html, "trend")
    assert_no_overlap(trend.labels)
    (table,) = trend.tables
    periods = charts.periods(today() - dt.timedelta(days=days - 1), today(), grain)
    assert len(table["rows"]) - 1 == (bars or len(periods))


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_histogram_and_hour_labels_never_overlap_and_every_bucket_is_named(manager, lang):
    html = dashboard(manager, 7, lang)
    histogram = section(html, "first-response")
    assert_no_overlap(histogram.labels)
    assert len(histogram.labels) == 8  # every bucket matters: turned, not thinned
    assert "<15m" not in {t for *_, t in histogram.labels} or lang == "en"
    hours = section(html, "hours")
    assert_no_overlap(hours.labels)
    assert hours.labels[0][3] == "0"


def test_long_ranges_are_drawn_per_week_or_month_and_say_so(manager):
    weekly = dashboard(manager, 90)
    assert "Trend per week" in weekly and "One bar per ISO week" in weekly
    (table,) = section(weekly, "trend").tables
    assert table["rows"][0][0] == "Week"
    week = today().isocalendar().week
    assert table["rows"][-1][0].startswith(f"Week {week} (")
    assert sum(int(row[1]) + int(row[2]) + int(row[3]) for row in table["rows"][1:]) == 7  # every ticket, once
    monthly = dashboard(manager, 365, "vi")
    assert "Diễn biến theo tháng" in monthly and "Mỗi cột là một tháng" in monthly
    (table,) = section(monthly, "trend").tables
    assert table["rows"][-1][0].startswith("tháng ") and table["rows"][-1][0].endswith(str(today().year))
    # every ticket of the year, once
    counted = sum(int(row[1]) + int(row[2]) + int(row[3]) for row in table["rows"][1:])
    assert counted == 11


def test_hidden_tables_hold_the_numbers_of_the_bars(manager):
    html = dashboard(manager, 31)
    for name in ("trend", "first-response", "departments", "hours", "csat", "backlog"):
        chart = section(html, name)
        assert chart.hidden_svgs == 1, name  # the SVG is hidden from screen readers: the table speaks
        (table,) = chart.tables
        assert table["caption"]
        header, rows = table["rows"][0], table["rows"][1:]
        assert set(table["scopes"]) == {"col", "row"} or not rows
        cells = {(row[0], header[i].lower(), value) for row in rows for i, value in enumerate(row) if i}
        assert chart.tooltips or name == "csat"
        for tooltip in chart.tooltips:  # "Nov 23: 2 met": the same number in the table's row and column
            found = re.fullmatch(r"(.+): ([\d,.]+) (.+)", tooltip)
            assert found and (found[1], found[3], found[2]) in cells, (name, tooltip)
    trend = section(html, "trend").tables[0]
    assert sum(int(row[1]) + int(row[2]) + int(row[3]) for row in trend["rows"][1:]) == 5


def test_long_department_names_are_cut_with_the_full_name_in_a_tooltip(manager, app):
    from portal.extensions import db
    from portal.services import departments

    finance = departments.by_code("finance")
    finance.name = "Finance, payouts and cash on delivery reconciliation"
    db.session.commit()
    chart = section(dashboard(manager, 31), "departments")
    cut = [(shown, full) for shown, full in chart.bar_labels if full]
    assert cut == [("Finance, payouts…", "Finance, payouts and cash on delivery reconciliation")]
    assert all(charts.text_width(shown, FONT) <= 130 - 8 for shown, _ in chart.bar_labels)


def test_a_reversed_range_is_a_field_error_beside_the_filters(manager):
    response = manager.get("/reports", query_string={"from": "2026-11-20", "to": "2026-11-10", "lang": "vi"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<h1>Báo cáo</h1>" in html
    assert 'name="to" value="2026-11-10" aria-invalid="true" aria-describedby="to-error"' in html
    assert re.search(r'<span class="error" id="to-error">[^<]+</span>', html)
    assert 'name="from" value="2026-11-20">' in html  # the other field as typed, unmarked
