"""sla.charts: long trends fold into ISO weeks or months with the same totals; axis labels are
thinned or turned so that no two overlap, whatever their number; long names are cut to fit."""
import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla import charts

D = dt.date


@pytest.mark.parametrize(("days", "grain"), [
    (1, "day"), (31, "day"), (45, "day"), (46, "week"), (90, "week"), (180, "week"), (181, "month"), (3661, "month"),
])
def test_grain_for(days, grain):
    assert charts.grain_for(days) == grain


@pytest.mark.parametrize(("day", "grain", "start"), [
    (D(2026, 11, 25), "day", D(2026, 11, 25)),
    (D(2026, 11, 25), "week", D(2026, 11, 23)),  # a Wednesday: its ISO week began on Monday
    (D(2026, 11, 23), "week", D(2026, 11, 23)),
    (D(2026, 11, 29), "week", D(2026, 11, 23)),  # Sunday ends the ISO week
    (D(2026, 11, 30), "month", D(2026, 11, 1)),
    (D(2026, 12, 1), "month", D(2026, 12, 1)),
])
def test_period_start(day, grain, start):
    assert charts.period_start(day, grain) == start


def test_weeks_are_cut_at_the_range_ends():
    spans = charts.periods(D(2026, 11, 25), D(2026, 12, 9), "week")
    assert spans == [(D(2026, 11, 25), D(2026, 11, 29)), (D(2026, 11, 30), D(2026, 12, 6)),
                     (D(2026, 12, 7), D(2026, 12, 9))]


def test_months_have_their_own_lengths():
    spans = charts.periods(D(2027, 1, 15), D(2028, 3, 2), "month")
    assert spans[0] == (D(2027, 1, 15), D(2027, 1, 31))
    assert spans[1] == (D(2027, 2, 1), D(2027, 2, 28))
    assert (D(2028, 2, 1), D(2028, 2, 29)) in spans  # a leap year
    assert spans[-1] == (D(2028, 3, 1), D(2028, 3, 2))
    assert len(spans) == 15


def daily(first: dt.date, last: dt.date, seed: int = 0) -> pd.DataFrame:
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    met = [(n * 7 + seed) % 5 for n in range(len(days))]
    breached = [(n * 3 + seed) % 4 for n in range(len(days))]
    pending = [n % 2 for n in range(len(days))]
    return pd.DataFrame({"day": [d.isoformat() for d in days], "met": met, "breached": breached, "pending": pending,
                         "tickets": [a + b + c for a, b, c in zip(met, breached, pending, strict=True)]})


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_by_period_keeps_every_ticket(grain):
    first, last = D(2026, 1, 10), D(2026, 12, 20)
    rows = daily(first, last)
    folded = charts.by_period(rows, first, last, grain)
    for column in charts.OUTCOME_COLUMNS:
        assert folded[column].sum() == rows[column].sum()
    assert list(zip(folded["first"], folded["last"], strict=True)) == charts.periods(first, last, grain)
    decided = folded["met"] + folded["breached"]
    expected = (folded["met"] / decided).where(decided > 0)
    pd.testing.assert_series_equal(folded["met_share"], expected, check_names=False)


def test_by_period_sums_each_week_and_leaves_empty_weeks_at_zero():
    rows = pd.DataFrame({"day": ["2026-11-24", "2026-11-29", "2026-12-01"], "met": [1, 2, 0], "breached": [0, 1, 0],
                         "pending": [0, 0, 3], "tickets": [1, 3, 3]})
    folded = charts.by_period(rows, D(2026, 11, 23), D(2026, 12, 13), "week")
    assert folded[["met", "breached", "pending", "tickets"]].values.tolist() == [[3, 1, 0, 4], [0, 0, 3, 3],
                                                                                  [0, 0, 0, 0]]
    assert folded["met_share"].iloc[0] == 0.75
    assert math.isnan(folded["met_share"].iloc[1]) and math.isnan(folded["met_share"].iloc[2])


def gaps(labels: list[str], slot: float, layout: charts.AxisLayout, font: float = 11) -> list[float]:
    """The room between neighbouring drawn labels: along the axis when level, across when turned."""
    shown = [(i * slot, t) for i, t in enumerate(labels) if i % layout.step == 0]
    out = []
    for (x1, t1), (x2, t2) in zip(shown, shown[1:], strict=False):
        if layout.angle == 0:
            out.append((x2 - x1) - (charts.text_width(t1, font) + charts.text_width(t2, font)) / 2)
        else:
            out.append((x2 - x1) * math.sin(math.radians(layout.angle)) - font)
    return out


@given(st.lists(st.text(min_size=1, max_size=14), min_size=1, max_size=400), st.floats(2, 400),
       st.booleans())
def test_no_two_labels_overlap(labels, slot, may_thin):
    layout = charts.axis_layout(labels, slot, may_thin=may_thin)
    assert layout.step >= 1
    assert all(gap >= 0 for gap in gaps(labels, slot, layout))


@pytest.mark.parametrize(("labels", "slot", "may_thin", "expected"), [
    (["Mon"] * 7, 46, True, (1, 0)),  # room enough: every label, level
    (["11/23"] * 31, 326 / 31, True, (4, 0)),  # a month of days: every fourth day
    (["<15ph", "15–30ph", "30–60ph", "1–2g", "2–4g", "4–8g", "8–24g", "≥24g"], 326 / 8, False, (1, 45)),
    (["thg 11"] * 13, 326 / 13, True, (1, 45)),  # a year of months: all of them, turned
    ([str(h) for h in range(24)], 326 / 24, True, (2, 0)),
])
def test_layout_choices(labels, slot, may_thin, expected):
    layout = charts.axis_layout(labels, slot, may_thin=may_thin)
    assert (layout.step, layout.angle) == expected
    assert all(gap >= 0 for gap in gaps(labels, slot, layout))


def test_turned_labels_need_room_below_the_axis():
    level = charts.axis_layout(["a"], 50)
    turned = charts.axis_layout(["a long label"] * 8, 40, may_thin=False)
    assert turned.angle and turned.depth > level.depth
    assert turned.depth >= charts.text_width("a long label", 11) * math.sin(math.radians(45))
    # how far left of its anchor the first label may run, so that the drawing makes room for it
    assert turned.reach == pytest.approx(charts.text_width("a long label", 11) * math.cos(math.radians(45)))
    assert level.reach == charts.text_width("a", 11) / 2


@pytest.mark.parametrize(("text", "width", "short"), [
    ("Tài chính", 100, "Tài chính"),
    ("Chăm sóc khách hàng doanh nghiệp", 70, "Chăm só…"),
    ("abcdefghij", 10 * 11 * 0.65, "abcdefghij"),  # ten letters fit the room of ten
    ("abcdefghijk", 10 * 11 * 0.65, "abcdefghijk"),  # i, j and k are narrow
    ("aaaaaaaaaaa", 10 * 11 * 0.65, "aaaaaaaa…"),  # cut: the ellipsis is as wide as an m
    ("Mmmm", 2 * 11, "M…"),
    ("abc", 3, "…"),
])
def test_shorten(text, width, short):
    assert charts.shorten(text, width) == short


@given(st.text(min_size=1, max_size=40), st.floats(0, 300))
def test_shorten_fits_or_leaves_only_the_ellipsis(text, width):
    short = charts.shorten(text, width)
    if short == text:
        assert charts.text_width(text, 11) <= width
        return
    kept = short[:-1]
    assert short.endswith("…") and text.startswith(kept)
    assert charts.text_width(short, 11) <= width or kept == ""
    following = text[len(kept):len(kept) + 1]
    if following.strip():  # (not after spaces the cut took off) one more character would not have fitted
        assert charts.text_width(text[:len(kept) + 1] + "…", 11) > width


@pytest.mark.parametrize(("text", "ems"), [("mM…", 3.0), ("ril", 1.26), ("aB1", 0.65 + 0.8 + 0.65), ("", 0)])
def test_text_width_by_classes_of_characters(text, ems):
    assert charts.text_width(text, 10) == pytest.approx(ems * 10)
