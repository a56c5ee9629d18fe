"""sla.cells: text that starts like a formula is marked as text in CSV cells; numbers stay numbers;
the per-ticket CSV encoder of sla.metrics marks such text exactly as DataFrame.to_csv of its table."""
import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla import cells, metrics, ticket_report
from sla.ticket_csv import ticket_csv
from tests.unit.sla_frames import CALENDARS, NOW, TZ, frame, messages

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize(("text", "cell"), [
    *((text, "'" + text) for text in HOSTILE),
    ("Shop Hoa Mai", "Shop Hoa Mai"),
    ("a=b", "a=b"),
    ("", ""),
    ("'", "'"),
    ("'quoted", "'quoted"),
    (" =1", " =1"),  # a leading space is not stripped by spreadsheets: already text
    ("'=1", "''=1"),  # spreadsheets hide one quote: this one keeps its own
    ("\n=1", "\n=1"),
])
def test_csv_text(text, cell):
    assert cells.csv_text(text) == cell
    assert cells.csv_value(cell) == text


@given(st.text())
def test_csv_text_never_starts_like_a_formula_and_reads_back(text):
    cell = cells.csv_text(text)
    assert not cell.startswith(cells.FORMULA_STARTS)
    assert cells.csv_value(cell) == text


def test_csv_texts_marks_text_and_leaves_numbers_alone():
    table = pd.DataFrame({
        "name": ["=1", "plain", None],
        "code": pd.Categorical(["-2+3", "A", "A"]),
        "minutes": [-5.0, 2.5, np.nan],
        "tickets": np.array([-1, 2, 3], dtype=np.int64),
        "flag": [True, False, True],
    })
    text = cells.csv_texts(table).to_csv(index=False, lineterminator="\n")
    assert text.splitlines() == ["name,code,minutes,tickets,flag", "'=1,'-2+3,-5.0,-1,True", "plain,A,2.5,2,False",
                                 ",A,,3,True"]
    assert table["name"].tolist()[0] == "=1"  # the caller's frame is not changed
    untouched = pd.DataFrame({"name": ["plain"], "minutes": [-1.0]})
    assert cells.csv_texts(untouched) is untouched


def hostile_tickets() -> pd.DataFrame:
    out = frame()
    for i, text in enumerate(HOSTILE):
        out.loc[i, "seller_name"] = text
        out.loc[i, "agent_name"] = text
    out.loc[6, "seller_code"] = "=S7"
    out.loc[7, "reference"] = "-T8"
    out.loc[7, "agent"] = "@a1@x.test"
    return out


@pytest.mark.parametrize("header", [True, False])
def test_ticket_csv_marks_hostile_text_as_to_csv_does(header):
    facts = metrics.ticket_facts(hostile_tickets(), NOW, messages(), CALENDARS)
    text = ticket_csv(facts, TZ, header)
    assert text == ticket_report.format_tickets(facts, TZ).to_csv(index=False, header=header, lineterminator="\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if header:
        rows = rows[1:]
    column = {name: i for i, name in enumerate(ticket_report.TICKET_COLUMNS)}
    for i, original in enumerate(HOSTILE):
        assert rows[i][column["seller_name"]] == "'" + original
        assert rows[i][column["agent_name"]] == "'" + original
    assert rows[6][column["seller_code"]] == "'=S7"
    assert rows[7][column["reference"]] == "'-T8" and rows[7][column["agent"]] == "'@a1@x.test"
    assert rows[0][column["first_response_minutes"]] == "30.0"  # numbers are not marked


def test_a_negative_number_in_the_ticket_csv_is_not_marked():
    tickets = frame()
    tickets.loc[0, "first_responded_at"] = tickets.loc[0, "created_at"] - pd.Timedelta(minutes=5)
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    row = next(csv.DictReader(io.StringIO(ticket_csv(facts, TZ), newline="")))
    assert row["first_response_minutes"] == "-5.0"
