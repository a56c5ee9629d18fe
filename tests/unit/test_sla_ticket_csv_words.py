"""sla.ticket_csv with `words`: codes and flags written in a person's language are exactly the
per-ticket table with each column mapped through its words (marked and quoted as any text), the
rest of every line unchanged; without words the text is the contract's."""
import pandas as pd
import pytest

from sla import cells, metrics, ticket_report
from sla.ticket_csv import ticket_csv
from tests.unit.sla_frames import CALENDARS, NOW, TZ, frame

WORDS = {
    "department": {"delivery": "Lấy và giao hàng", "finance": "Tài chính, kế toán"},  # a comma: quoted
    "category": {"finance": "Tài chính", "delivery_delay": "=Trễ giao"},  # looks like a formula: marked
    "status": {"resolved": "Đã giải quyết", "closed": "Đã đóng"},  # 'open' has none: stays a code
    "priority": {"normal": "bình thường", "urgent": 'khẩn "gấp"'},
    "sla_met": {"true": "Đạt hạn", "false": "Quá hạn", "": "Đang chờ"},
    "self_resolved": {"true": "Có", "false": "Không"},
}


def expected(facts: pd.DataFrame, words: dict) -> str:
    """The per-ticket table with each column's cells mapped through its words, as DataFrame.to_csv writes it."""
    table = ticket_report.format_tickets(facts, TZ)
    for column, mapping in words.items():
        table[column] = table[column].map(lambda v, m=mapping: cells.csv_text(m.get(v, v)) if isinstance(v, str) else v)
    return table.to_csv(index=False, lineterminator="\r\n")


@pytest.fixture
def facts():
    return metrics.ticket_facts(frame(), NOW, calendars=CALENDARS)


def test_words_replace_the_codes_of_their_columns_only(facts):
    text = ticket_csv(facts, TZ, True, WORDS)
    assert text == expected(facts, WORDS)
    assert "Đạt hạn" in text and "Quá hạn" in text and "Không" in text
    assert '"Tài chính, kế toán"' in text and "'=Trễ giao" in text
    assert text != ticket_csv(facts, TZ) and text.count("\r\n") == ticket_csv(facts, TZ).count("\r\n")


def test_categorical_columns_and_missing_values_take_their_words(facts):
    facts = facts.copy()
    departments = [None, *facts["department"].iloc[1:]]
    facts["department"] = pd.Categorical(departments, categories=sorted(set(departments[1:])))
    assert ticket_csv(facts, TZ, False, WORDS) == expected(facts, WORDS).split("\r\n", 1)[1]


@pytest.mark.parametrize("words", [None, {}, {"department": {}}])
def test_no_words_is_the_contract(facts, words):
    assert ticket_csv(facts, TZ, True, words) == ticket_csv(facts, TZ) == expected(facts, {})
