"""Rule records and the validation that turns rule data (parsed JSON) into them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routing.text import normalize_text
from vocabulary import CATEGORIES, PRIORITIES

DEPARTMENTS: tuple[str, ...] = ("delivery", "returns", "finance", "apps", "triage")

_CONDITION_FIELDS = ("categories", "keywords_any", "min_tracking_numbers")
_RULE_FIELDS = frozenset({"id", "department", "priority", "description", *_CONDITION_FIELDS})
_PRIORITY_RULE_FIELDS = frozenset({"id", "priority", "description", *_CONDITION_FIELDS})


class RuleError(ValueError):
    """Rule data is invalid; the message names the rule and the field at fault."""


@dataclass(frozen=True)
class Rule:
    """A department rule: when its conditions hold, the ticket goes to ``department``."""

    id: str
    department: str
    priority: str = "normal"
    categories: tuple[str, ...] = ()
    keywords_any: tuple[str, ...] = ()
    min_tracking_numbers: int | None = None
    description: str = ""


@dataclass(frozen=True)
class PriorityRule:
    """A priority rule: when its conditions hold, the ticket gets at least ``priority``."""

    id: str
    priority: str
    categories: tuple[str, ...] = ()
    keywords_any: tuple[str, ...] = ()
    min_tracking_numbers: int | None = None
    description: str = ""


def rule_to_dict(rule: Rule | PriorityRule) -> dict[str, Any]:
    """Return the JSON-ready form of ``rule``; ``parse_rule``/``parse_priority_rule`` read it back unchanged."""
    data: dict[str, Any] = {"id": rule.id}
    if isinstance(rule, Rule):
        data["department"] = rule.department
    data["priority"] = rule.priority
    if rule.categories:
        data["categories"] = list(rule.categories)
    if rule.keywords_any:
        data["keywords_any"] = list(rule.keywords_any)
    if rule.min_tracking_numbers is not None:
        data["min_tracking_numbers"] = rule.min_tracking_numbers
    if rule.description:
        data["description"] = rule.description
    return data


def parse_rule(data: Any, where: str) -> Rule:
    """Validate one department rule; ``where`` locates it (e.g. ``rules[2]``) in error messages."""
    label = _check_entry(data, where, _RULE_FIELDS)
    return Rule(
        id=data["id"],
        department=_choice(data.get("department"), DEPARTMENTS, label, "department"),
        priority=_choice(data.get("priority", "normal"), PRIORITIES, label, "priority"),
        description=_string(data.get("description", ""), label, "description"),
        **_conditions(data, label),
    )


def parse_priority_rule(data: Any, where: str) -> PriorityRule:
    """Validate one priority rule; ``where`` locates it (e.g. ``priority_rules[0]``) in error messages."""
    label = _check_entry(data, where, _PRIORITY_RULE_FIELDS)
    return PriorityRule(
        id=data["id"],
        priority=_choice(data.get("priority"), PRIORITIES, label, "priority"),
        description=_string(data.get("description", ""), label, "description"),
        **_conditions(data, label),
    )


def parse_category_defaults(data: Any) -> dict[str, str]:
    """Validate the category -> department mapping."""
    if not isinstance(data, Mapping):
        raise RuleError("'category_defaults' must be an object mapping category to department")
    defaults: dict[str, str] = {}
    for category, department in data.items():
        _choice(category, CATEGORIES, "category_defaults", "category")
        defaults[category] = _choice(department, DEPARTMENTS, f"category_defaults[{category!r}]", "department")
    return defaults


def list_field(data: Mapping[str, Any], field: str, label: str) -> list[Any]:
    """Return ``data[field]`` (missing means empty), raising RuleError unless it is a list."""
    value = data.get(field, [])
    if not isinstance(value, list):
        raise RuleError(f"{label}: '{field}' must be a list, got {type(value).__name__}")
    return value


def _check_entry(data: Any, where: str, allowed: frozenset[str]) -> str:
    if not isinstance(data, Mapping):
        raise RuleError(f"{where}: a rule must be an object, got {type(data).__name__}")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RuleError(f"{where}: 'id' must be a non-empty string")
    label = f"rule {rule_id!r}"
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RuleError(f"{label}: unknown field(s) {', '.join(map(repr, unknown))}")
    return label


def _conditions(data: Mapping[str, Any], label: str) -> dict[str, Any]:
    categories = tuple(
        _choice(value, CATEGORIES, label, "category") for value in list_field(data, "categories", label)
    )
    keywords = list_field(data, "keywords_any", label)
    for index, keyword in enumerate(keywords):
        if not isinstance(keyword, str):
            raise RuleError(f"{label}: keywords_any[{index}] must be a string, got {type(keyword).__name__}")
        if not normalize_text(keyword):
            raise RuleError(f"{label}: keywords_any[{index}] is an empty keyword")
    minimum = data.get("min_tracking_numbers")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1):
        raise RuleError(f"{label}: 'min_tracking_numbers' must be a positive integer, got {minimum!r}")
    if not (categories or keywords or minimum):
        # A rule without conditions matches every ticket and silently shadows all rules after it.
        raise RuleError(f"{label}: needs at least one condition ({', '.join(_CONDITION_FIELDS)})")
    return {"categories": categories, "keywords_any": tuple(keywords), "min_tracking_numbers": minimum}


def _choice(value: Any, allowed: tuple[str, ...], label: str, field: str) -> str:
    if value not in allowed:
        raise RuleError(f"{label}: unknown {field} {value!r} (allowed: {', '.join(allowed)})")
    return value


def _string(value: Any, label: str, field: str) -> str:
    if not isinstance(value, str):
        raise RuleError(f"{label}: '{field}' must be a string, got {type(value).__name__}")
    return value
