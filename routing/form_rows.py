"""Department rules as the rows of a form, and back: the form writes the same JSON as an expert would.

A row holds what the form can show (id, categories, keywords, department, priority, description).
A rule using anything else (``min_tracking_numbers``, fields of a later schema, values of the wrong
type) is kept whole, as its JSON, and the form offers it for editing as JSON only: nothing is dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from routing.text import normalize_text

ROW_FIELDS = frozenset({"id", "department", "priority", "categories", "keywords_any", "description"})


@dataclass
class RuleRow:
    """One department rule as the form shows it; ``kept`` is the whole rule's JSON when the form cannot show it."""

    id: str = ""
    department: str = ""
    priority: str = "normal"
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    description: str = ""
    kept: str | None = None


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def form_can_show(rule: Any) -> bool:
    """Whether ``rule`` fits a row exactly: only row fields, of the types a row holds, keywords on one line each."""
    if not isinstance(rule, Mapping) or set(rule) - ROW_FIELDS:
        return False
    strings = all(isinstance(rule.get(name, ""), str) for name in ("id", "department", "priority", "description"))
    lists = _is_string_list(rule.get("categories", [])) and _is_string_list(rule.get("keywords_any", []))
    one_line = lists and not any("\n" in keyword or "\r" in keyword for keyword in rule.get("keywords_any", []))
    return strings and lists and one_line


def row_from_rule(rule: Any) -> RuleRow:
    """The row showing ``rule``, or a row keeping it whole when the form cannot show it."""
    if not form_can_show(rule):
        rule_id = rule.get("id") if isinstance(rule, Mapping) else None
        return RuleRow(id=rule_id if isinstance(rule_id, str) else "", kept=json.dumps(rule, ensure_ascii=False))
    return RuleRow(id=rule.get("id", ""), department=rule.get("department", ""),
                   priority=rule.get("priority", "normal"), categories=list(rule.get("categories", [])),
                   keywords=list(rule.get("keywords_any", [])), description=rule.get("description", ""))


def rule_from_row(row: RuleRow) -> Any:
    """The rule's JSON data, in the order and shape of ``routing.schema.rule_to_dict`` (a kept rule as it was)."""
    if row.kept is not None:
        return json.loads(row.kept)
    data: dict[str, Any] = {"id": row.id, "department": row.department, "priority": row.priority or "normal"}
    if row.categories:
        data["categories"] = list(row.categories)
    if row.keywords:
        data["keywords_any"] = list(row.keywords)
    if row.description:
        data["description"] = row.description
    return data


def rows_of(data: Mapping[str, Any]) -> list[RuleRow]:
    """The department rules of rule-set data as rows, in order (anything but a list of rules: no rows)."""
    rules = data.get("rules", [])
    return [row_from_rule(rule) for rule in rules] if isinstance(rules, list) else []


def with_rows(data: Mapping[str, Any], rows: Iterable[RuleRow]) -> dict[str, Any]:
    """``data`` with its department rules replaced by ``rows``; every other part (defaults, priority rules) kept."""
    result = dict(data)
    result["rules"] = [rule_from_row(row) for row in rows]
    return result


def split_keywords(text: str | None) -> list[str]:
    """Keywords typed one per line: surrounding spaces and empty lines dropped, the order kept."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def keyword_also_matches(keyword: str) -> str | None:
    """The form without case or diacritics that ``keyword`` also matches ("hoàn tiền" → "hoan tien"), if different."""
    folded = normalize_text(keyword)
    return folded if folded and folded != " ".join(keyword.casefold().split()) else None


def move(rows: list[RuleRow], index: int, step: int) -> list[RuleRow]:
    """``rows`` with the row at ``index`` moved ``step`` places (rules run top to bottom); out of range: unchanged."""
    target = index + step
    if not (0 <= index < len(rows) and 0 <= target < len(rows)):
        return list(rows)
    moved = list(rows)
    moved[index], moved[target] = moved[target], moved[index]
    return moved
