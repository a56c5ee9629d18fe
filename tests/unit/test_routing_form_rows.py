"""Department rules as form rows and back: the same data, rules the form cannot show kept whole."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import routing
from routing import form_rows
from routing.form_rows import RuleRow

SHIPPED = json.loads((Path(routing.__file__).parent / "default_rules.json").read_text(encoding="utf-8"))


def test_the_shipped_rules_go_through_rows_unchanged_once_normalised():
    as_saved = routing.RuleSet.from_dict(SHIPPED).to_dict()
    assert form_rows.with_rows(as_saved, form_rows.rows_of(as_saved)) == as_saved


@pytest.mark.parametrize("rule", [
    {"id": "bulk", "department": "delivery", "min_tracking_numbers": 5},
    {"id": "later", "department": "apps", "keywords_any": ["x"], "language": "vi"},
    {"id": "odd", "department": "apps", "keywords_any": "not a list"},
    {"id": "two-lines", "department": "apps", "keywords_any": ["a\nb"]},
    ["not", "an", "object"],
])
def test_a_rule_the_form_cannot_show_is_kept_whole(rule):
    row = form_rows.row_from_rule(rule)
    assert row.kept is not None
    assert form_rows.rule_from_row(row) == rule


def test_a_row_writes_the_fields_in_the_order_of_the_schema():
    row = RuleRow(id="r", department="finance", priority="high", categories=["other"], keywords=["hoàn tiền"])
    assert list(form_rows.rule_from_row(row)) == ["id", "department", "priority", "categories", "keywords_any"]
    assert form_rows.rule_from_row(row) == routing.schema.rule_to_dict(routing.schema.parse_rule(
        {"id": "r", "department": "finance", "priority": "high", "categories": ["other"],
         "keywords_any": ["hoàn tiền"]}, "rules[0]"))


@pytest.mark.parametrize(("keyword", "folded"), [
    ("hoàn tiền", "hoan tien"), ("Đối soát", "doi soat"), ("refund", None), ("VAT", None), ("  ", None)])
def test_a_keyword_names_what_it_also_matches_without_diacritics(keyword, folded):
    assert form_rows.keyword_also_matches(keyword) == folded
    if folded:
        assert routing.find_keyword(routing.normalize_text(folded), [keyword]) == keyword


def test_keywords_are_one_per_line():
    assert form_rows.split_keywords(" a \r\n\r\nb c\n") == ["a", "b c"]


@pytest.mark.parametrize(("index", "step", "expected"), [
    (1, -1, "bac"), (1, 1, "acb"), (0, -1, "abc"), (2, 1, "abc"), (5, 1, "abc")])
def test_moving_a_row(index, step, expected):
    rows = [RuleRow(id=letter) for letter in "abc"]
    assert "".join(row.id for row in form_rows.move(rows, index, step)) == expected
