"""Route a new seller ticket to a department and priority, with an explanation a human can check."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from routing.replay import MAX_EXAMPLES, Move, ReplayReport
from routing.schema import (
    DEPARTMENTS,
    PRIORITIES,
    PriorityRule,
    Rule,
    RuleError,
    list_field,
    parse_category_defaults,
    parse_priority_rule,
    parse_rule,
    rule_to_dict,
)
from routing.text import find_keyword, normalize_text

DEFAULT_RULES_PATH = Path(__file__).with_name("default_rules.json")
_TOP_LEVEL_FIELDS = frozenset(
    {"version", "description", "fallback_department", "category_defaults", "rules", "priority_rules"}
)
_PRIORITY_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}

__all__ = [
    "DEFAULT_RULES_PATH",
    "PriorityRule",
    "ReplayReport",
    "RoutingDecision",
    "Rule",
    "RuleError",
    "RuleSet",
    "TicketFacts",
    "load_rules",
    "replay",
    "replay_items",
    "route",
    "rule_errors",
]


@dataclass(frozen=True)
class TicketFacts:
    """What the seller told us: the chosen category, the free-text description and tracking numbers."""

    category: str
    description: str
    tracking_numbers: tuple[str, ...] = ()
    seller_code: str = ""


@dataclass(frozen=True)
class RoutingDecision:
    """Where a ticket goes; ``rule_id`` is None when the category default or the fallback applied."""

    department: str
    priority: str
    rule_id: str | None
    explanation: str
    ruleset_version: str


@dataclass(frozen=True)
class RuleSet:
    """An ordered, validated set of department rules plus priority rules and category defaults."""

    version: str
    rules: tuple[Rule, ...]
    category_defaults: Mapping[str, str]
    fallback_department: str = "triage"
    priority_rules: tuple[PriorityRule, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_defaults", MappingProxyType(dict(self.category_defaults)))

    @classmethod
    def from_dict(cls, data: Any) -> RuleSet:
        """Build a rule set from parsed JSON, raising RuleError that names the bad rule or field."""
        version, description, fallback = _check_header(data)
        rules = tuple(
            parse_rule(entry, f"rules[{index}]") for index, entry in enumerate(list_field(data, "rules", "rule set"))
        )
        priority_rules = tuple(
            parse_priority_rule(entry, f"priority_rules[{index}]")
            for index, entry in enumerate(list_field(data, "priority_rules", "rule set"))
        )
        _check_unique_ids((*rules, *priority_rules))
        return cls(
            version=version,
            rules=rules,
            category_defaults=parse_category_defaults(data["category_defaults"]),
            fallback_department=fallback,
            priority_rules=priority_rules,
            description=description,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form; ``RuleSet.from_dict(rs.to_dict()) == rs``."""
        data: dict[str, Any] = {"version": self.version}
        if self.description:
            data["description"] = self.description
        return data | {
            "fallback_department": self.fallback_department,
            "category_defaults": dict(self.category_defaults),
            "rules": [rule_to_dict(rule) for rule in self.rules],
            "priority_rules": [rule_to_dict(rule) for rule in self.priority_rules],
        }


def load_rules(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """Read and validate a JSON rule file (UTF-8); None reads the shipped ``routing/default_rules.json``.

    Raises RuleError for invalid JSON or rule data, OSError when the file cannot be read.
    """
    source = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RuleError(f"{source}: invalid JSON: {exc}") from exc
    return RuleSet.from_dict(data)


@dataclass(frozen=True)
class _Ticket:
    category: str
    text: str
    tracking_count: int


def route(facts: TicketFacts, ruleset: RuleSet) -> RoutingDecision:
    """Decide department and priority for ``facts``; never raises for any description or category.

    The first department rule whose conditions all hold decides the department; otherwise the
    category default applies, otherwise the fallback department. The priority is the highest among
    the matching department rule and every matching priority rule (earliest wins a tie). The
    explanation ends with the rule set's version, e.g. ``(rules v3)``.
    """
    ticket = _Ticket(
        category=facts.category,
        text=normalize_text(facts.description or ""),
        tracking_count=len({str(number).strip().upper() for number in facts.tracking_numbers} - {""}),
    )
    department, matched, explanation = _department(ticket, ruleset)
    candidates: list[tuple[str, str]] = [] if matched is None else [(matched.priority, f"rule {matched.id}")]
    for priority_rule in ruleset.priority_rules:
        evidence = _evidence(priority_rule, ticket)
        if evidence is not None:
            candidates.append((priority_rule.priority, f"rule {priority_rule.id} matched {evidence}"))
    priority, reason = "normal", ""
    for candidate_priority, candidate_reason in candidates:
        if _PRIORITY_RANK.get(candidate_priority, 0) > _PRIORITY_RANK[priority]:
            priority, reason = candidate_priority, candidate_reason
    if reason:
        explanation += f"; priority {priority} by {reason}"
    # the version goes into the stored text, so an explanation read months later still names its rules
    explanation += f" (rules {ruleset.version})"
    rule_id = None if matched is None else matched.id
    return RoutingDecision(department, priority, rule_id, explanation, ruleset.version)


def replay(
    tickets: Iterable[tuple[str, TicketFacts]] | Mapping[Hashable, tuple[str, TicketFacts]],
    ruleset: RuleSet,
) -> ReplayReport:
    """Route existing ``(current_department, facts)`` tickets with ``ruleset`` and count who would move.

    Examples are recorded by position, or by key when ``tickets`` is a mapping (e.g. reference -> pair).
    Nothing is changed; the report only describes what would happen.
    """
    return replay_items(tickets.items() if isinstance(tickets, Mapping) else enumerate(tickets), ruleset)


def replay_items(items: Iterable[tuple[Hashable, tuple[str, TicketFacts]]], ruleset: RuleSet) -> ReplayReport:
    """Like :func:`replay` for ``(key, (current_department, facts))`` items, e.g. streamed from a database;
    examples are the keys. The items are read once, so a generator of any length will do."""
    total = unchanged = 0
    moved: Counter[Move] = Counter()
    examples: dict[Move, list[Hashable]] = {}
    for key, (current_department, facts) in items:
        total += 1
        new_department = route(facts, ruleset).department
        if new_department == current_department:
            unchanged += 1
            continue
        move = (current_department, new_department)
        moved[move] += 1
        bucket = examples.setdefault(move, [])
        if len(bucket) < MAX_EXAMPLES:
            bucket.append(key)
    return ReplayReport(total=total, moved=moved, unchanged=unchanged, examples=examples)


def _department(ticket: _Ticket, ruleset: RuleSet) -> tuple[str, Rule | None, str]:
    """Return the department, the first matching rule (None for a default) and the explanation."""
    for rule in ruleset.rules:
        evidence = _evidence(rule, ticket)
        if evidence is not None:
            return rule.department, rule, f"{rule.department}: rule {rule.id} matched {evidence}"
    default = ruleset.category_defaults.get(ticket.category)
    if default:
        return default, None, f"{default}: category {ticket.category} (no keyword rule matched)"
    fallback = ruleset.fallback_department
    return fallback, None, f"{fallback}: category {ticket.category}, no rule matched"


def _evidence(rule: Rule | PriorityRule, ticket: _Ticket) -> str | None:
    """Say why ``rule`` matches ``ticket``, or return None when one of its conditions fails."""
    if rule.categories and ticket.category not in rule.categories:
        return None
    reasons = []
    if rule.keywords_any:
        keyword = find_keyword(ticket.text, rule.keywords_any)
        if keyword is None:
            return None
        reasons.append(f"'{keyword}'")
    if rule.min_tracking_numbers is not None:
        if ticket.tracking_count < rule.min_tracking_numbers:
            return None
        reasons.append(f"{ticket.tracking_count} tracking numbers")
    return " and ".join(reasons) or f"category {ticket.category}"


def _check_header(data: Any) -> tuple[str, str, str]:
    """Validate the top-level fields and return version, description and fallback department."""
    if not isinstance(data, Mapping):
        raise RuleError(f"rule data must be an object, got {type(data).__name__}")
    for check in _HEADER_CHECKS:
        check(data)
    return data["version"], data.get("description", ""), data.get("fallback_department", "triage")


def _check_known_fields(data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - _TOP_LEVEL_FIELDS)
    if unknown:
        raise RuleError(f"rule set: unknown field(s) {', '.join(map(repr, unknown))}")


def _check_version(data: Mapping[str, Any]) -> None:
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RuleError("rule set: 'version' must be a non-empty string")


def _check_description(data: Mapping[str, Any]) -> None:
    if not isinstance(data.get("description", ""), str):
        raise RuleError("rule set: 'description' must be a string")


def _check_fallback(data: Mapping[str, Any]) -> None:
    fallback = data.get("fallback_department", "triage")
    if fallback not in DEPARTMENTS:
        raise RuleError(f"rule set: unknown fallback_department {fallback!r} (allowed: {', '.join(DEPARTMENTS)})")


def _check_category_defaults_given(data: Mapping[str, Any]) -> None:
    if "category_defaults" not in data:
        raise RuleError("rule set: 'category_defaults' is required")


_HEADER_CHECKS = (_check_known_fields, _check_version, _check_description, _check_fallback,
                  _check_category_defaults_given)


def rule_errors(data: Any) -> list[str]:
    """Every problem in rule data, one message per field or rule, so an editor can show them all at once.

    Empty exactly when ``RuleSet.from_dict(data)`` succeeds; otherwise the first RuleError that
    ``from_dict`` would raise is among the messages.
    """
    if not isinstance(data, Mapping):
        return [f"rule data must be an object, got {type(data).__name__}"]
    errors: list[str] = []

    def collect(check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except RuleError as exc:
            errors.append(str(exc))
            return None

    for check in _HEADER_CHECKS:
        collect(check, data)
    if "category_defaults" in data:
        collect(parse_category_defaults, data["category_defaults"])
    parsed: list[Rule | PriorityRule] = []
    for field, parse in (("rules", parse_rule), ("priority_rules", parse_priority_rule)):
        entries = collect(list_field, data, field, "rule set") or []
        for index, entry in enumerate(entries):
            rule = collect(parse, entry, f"{field}[{index}]")
            if rule is not None:
                parsed.append(rule)
    seen: set[str] = set()
    for rule in parsed:
        if rule.id in seen:
            errors.append(f"rule {rule.id!r}: duplicate rule id")
        seen.add(rule.id)
    return errors


def _check_unique_ids(rules: Iterable[Rule | PriorityRule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule {rule.id!r}: duplicate rule id")
        seen.add(rule.id)
