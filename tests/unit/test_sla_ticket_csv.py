"""sla.ticket_csv: the exact CSV text of the per-ticket report for inputs the hand-built frame of
tests/unit/test_sla_metrics.py does not hold (categorical columns, missing and non-text references
and codes, offsets with seconds, decimals never formatted before in the process), the bound on its
cache of decimal texts, and the merging of neighbouring pieces. Each text is also checked against
``format_tickets(...).to_csv``, which ticket_csv promises to equal."""
import numpy as np
import pandas as pd
import pytest

from sla import metrics, ticket_report
from sla import ticket_csv as module
from sla.ticket_csv import ticket_csv
from tests.unit.sla_frames import CALENDARS, NOW, TZ, frame

HEADER = ",".join(ticket_report.TICKET_COLUMNS)


def to_csv(facts: pd.DataFrame, timezone: str = TZ) -> str:
    return ticket_report.format_tickets(facts, timezone).to_csv(index=False, lineterminator="\r\n")


def rows(text: str) -> list[str]:
    lines = text.split("\r\n")
    assert lines[0] == HEADER and lines[-1] == ""
    return lines[1:-1]


@pytest.fixture
def fresh_decimal_texts():
    """The decimal texts cache emptied before and after: every decimal below is formatted anew."""
    module._DECIMAL_TEXTS.clear()
    yield module._DECIMAL_TEXTS
    module._DECIMAL_TEXTS.clear()


def test_categorical_text_columns_write_their_values_and_empty_for_missing():
    tickets = frame().iloc[:3].copy()
    tickets["department"] = pd.Categorical(["delivery", None, "finance"], categories=["finance", "delivery"])
    tickets["priority"] = pd.Categorical(["high", "normal", "high"])
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    text = ticket_csv(facts, TZ)
    assert [line.split(",")[2:5] for line in rows(text)] == [
        ["delivery", "delivery_delay", "high"], ["", "delivery_delay", "normal"], ["finance", "finance", "high"]]
    assert text == to_csv(facts)


def test_missing_and_non_text_references_and_codes():
    tickets = frame().iloc[:3].copy()
    tickets["reference"] = [None, 42, "A,1"]
    tickets["seller_code"] = [1001, None, "S2"]
    tickets["priority"] = ["normal", 3, "=1+1"]
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    text = ticket_csv(facts, TZ)
    assert [line.split(",")[:5] for line in rows(text)] == [
        ["", "1001", "delivery", "delivery_delay", "normal"],
        ["42", "", "delivery", "delivery_delay", "3"],
        ['"A', '1"', "S2", "finance", "finance"],
    ]
    assert rows(text)[2].startswith('"A,1",S2,finance,finance,\'=1+1,open,')
    assert text == to_csv(facts)


def test_decimals_formatted_afresh_are_shortest_with_one_decimal_and_empty_when_missing(fresh_decimal_texts):
    tickets = frame().iloc[:4].copy()
    created = tickets["created_at"]
    tickets["first_responded_at"] = [created[0] + pd.Timedelta(seconds=90), created[1] + pd.Timedelta(minutes=-3),
                                      pd.NaT, created[3] + pd.Timedelta(seconds=749)]
    tickets["resolved_at"] = [created[0] + pd.Timedelta(days=3, seconds=3), pd.NaT, pd.NaT,
                              created[3] + pd.Timedelta(seconds=749)]
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    text = ticket_csv(facts, TZ)
    column = ticket_report.TICKET_COLUMNS.index
    cells = [line.split(",") for line in rows(text)]
    assert [row[column("first_response_minutes")] for row in cells] == ["1.5", "-3.0", "", "12.5"]
    assert [row[column("handling_minutes")] for row in cells] == ["4320.0", "", "", "12.5"]
    assert text == to_csv(facts)
    assert fresh_decimal_texts[np.float64(1.5).view(np.int64).item()] == ",1.5"
    assert fresh_decimal_texts[np.float64(-3.0).view(np.int64).item()] == ",-3.0"


def test_decimal_texts_cache_is_emptied_once_it_holds_more_than_50_000(fresh_decimal_texts):
    cache = fresh_decimal_texts
    cache.update({-bits: "," for bits in range(1, 50_001)})  # NaN bit patterns: never a real value's
    piece = module._decimal_piece(np.array([1.5, 1.5]))
    assert len(cache) == 50_001 and cache[-1] == ","  # 50,000 held: not emptied, one more text added
    assert piece.table[piece.codes].tolist() == [",1.5", ",1.5"]
    piece = module._decimal_piece(np.array([2.25]))
    assert cache == {np.float64(2.25).view(np.int64).item(): ",2.25"}  # 50,001 held: emptied first
    assert piece.table[piece.codes].tolist() == [",2.25"]


def test_an_offset_with_seconds_is_floored_to_the_minute():
    # Liberia kept UTC−00:44:30 until 1972: local − UTC is −44.5 minutes, written −00:45 (floor)
    tickets = frame().iloc[:1].copy()
    tickets["created_at"] = pd.to_datetime(["1970-06-01T12:00Z"], utc=True)
    facts = metrics.ticket_facts(tickets, NOW, calendars=CALENDARS)
    text = ticket_csv(facts, "Africa/Monrovia")
    assert ",1970-06-01T11:15:30-00:45,2026-03-06T06:00:00+00:00," in rows(text)[0]
    assert text == to_csv(facts, "Africa/Monrovia")


def coded(texts: list[str], codes: list[int]) -> module._Piece:
    return module._Piece(np.array(codes, dtype=np.int64), np.array(texts, dtype=object))


def lines_of(pieces: list[module._Piece]) -> list[str]:
    columns = [p.table if p.codes is None else p.table[p.codes].tolist() for p in pieces]
    return ["".join(parts) for parts in zip(*columns, strict=True)]


def test_neighbouring_pieces_merge_while_their_combinations_fit_the_limit():
    first = coded([f",a{i}" for i in range(16)], [0, 15, 3])
    second = coded([f",b{i}" for i in range(16)], [15, 0, 7])
    (merged,) = module._merged([first, second], 256)
    assert len(merged.table) == 256 and merged.table[16 * 3 + 7] == ",a3,b7"
    assert lines_of([merged]) == [",a0,b15", ",a15,b0", ",a3,b7"]
    apart = module._merged([first, second], 255)
    assert [len(p.table) for p in apart] == [16, 16] and lines_of(apart) == lines_of([merged])


def test_a_piece_of_one_text_per_row_is_never_merged():
    references = module._Piece(None, ["T1", "T2"])
    flags = coded([",x", ",y"], [1, 0])
    small = coded([",1", ",2"], [0, 0])
    pieces = module._merged([references, flags, small], 256)
    assert [p.codes is None for p in pieces] == [True, False] and len(pieces[1].table) == 4
    assert lines_of(pieces) == ["T1,y,1", "T2,x,1"]
