"""RuleSet.from_dict validation, to_dict round trip, and load_rules."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from routing import DEFAULT_RULES_PATH, RuleError, RuleSet, load_rules, rule_errors

VALID: dict[str, Any] = {
    "version": "v1",
    "fallback_department": "triage",
    "category_defaults": {"delivery_delay": "delivery", "finance": "finance"},
    "rules": [
        {"id": "r1", "department": "finance", "priority": "high", "categories": ["other"],
         "keywords_any": ["đối soát", "cod"], "description": "COD remittance"},
        {"id": "r2", "department": "delivery", "min_tracking_numbers": 5},
    ],
    "priority_rules": [{"id": "p1", "priority": "urgent", "keywords_any": ["gấp"]}],
}

Edit = Callable[[dict[str, Any]], Any]


def rule(index: int, **fields: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data["rules"][index].update(fields)
    return edit


def without(*path: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return edit


def top(**fields: Any) -> Edit:
    return lambda data: data.update(fields)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda data: [data], "rule data must be an object, got list"),
        (top(rule=[]), "rule set: unknown field(s) 'rule'"),
        (without("version"), "'version' must be a non-empty string"),
        (top(version="  "), "'version' must be a non-empty string"),
        (top(version=3), "'version' must be a non-empty string"),
        (top(description=["x"]), "rule set: 'description' must be a string"),
        (top(fallback_department="support"), "unknown fallback_department 'support'"),
        (without("category_defaults"), "'category_defaults' is required"),
        (top(category_defaults=[]), "'category_defaults' must be an object"),
        (top(category_defaults={"shipping": "delivery"}), "category_defaults: unknown category 'shipping'"),
        (top(category_defaults={"finance": "accounting"}), "category_defaults['finance']: unknown department"),
        (top(rules={}), "rule set: 'rules' must be a list, got dict"),
        (top(priority_rules="p1"), "rule set: 'priority_rules' must be a list, got str"),
        (top(rules=["r1"]), "rules[0]: a rule must be an object, got str"),
        (without("rules", 1, "id"), "rules[1]: 'id' must be a non-empty string"),
        (rule(1, id=""), "rules[1]: 'id' must be a non-empty string"),
        (rule(0, department="fin"), "rule 'r1': unknown department 'fin' (allowed: delivery, returns, finance"),
        (without("rules", 0, "department"), "rule 'r1': unknown department None"),
        (rule(0, priority="critical"), "rule 'r1': unknown priority 'critical' (allowed: normal, high, urgent)"),
        (without("priority_rules", 0, "priority"), "rule 'p1': unknown priority None"),
        (rule(0, categories=["shipping"]), "rule 'r1': unknown category 'shipping'"),
        (rule(0, categories="other"), "rule 'r1': 'categories' must be a list, got str"),
        (rule(0, keywords_any="cod"), "rule 'r1': 'keywords_any' must be a list, got str"),
        (rule(0, keywords_any=["cod", ""]), "rule 'r1': keywords_any[1] is an empty keyword"),
        (rule(0, keywords_any=["   "]), "rule 'r1': keywords_any[0] is an empty keyword"),
        (rule(0, keywords_any=["\u0301"]), "rule 'r1': keywords_any[0] is an empty keyword"),
        (rule(0, keywords_any=[5]), "rule 'r1': keywords_any[0] must be a string, got int"),
        (rule(1, min_tracking_numbers=0), "rule 'r2': 'min_tracking_numbers' must be a positive integer, got 0"),
        (rule(1, min_tracking_numbers=-2), "'min_tracking_numbers' must be a positive integer"),
        (rule(1, min_tracking_numbers="5"), "'min_tracking_numbers' must be a positive integer"),
        (rule(1, min_tracking_numbers=True), "'min_tracking_numbers' must be a positive integer"),
        (rule(1, min_tracking_numbers=2.5), "'min_tracking_numbers' must be a positive integer"),
        (without("rules", 1, "min_tracking_numbers"), "rule 'r2': needs at least one condition"),
        (rule(0, categories=[], keywords_any=[]), "rule 'r1': needs at least one condition"),
        (rule(0, keyword_any=["cod"]), "rule 'r1': unknown field(s) 'keyword_any'"),
        (rule(0, description=None), "rule 'r1': 'description' must be a string"),
        (rule(1, id="r1"), "rule 'r1': duplicate rule id"),
        (top(priority_rules=[{"id": "r2", "priority": "high", "keywords_any": ["x"]}]), "rule 'r2': duplicate rule id"),
        (top(priority_rules=[{"id": "p", "priority": "high", "department": "apps", "keywords_any": ["x"]}]),
         "rule 'p': unknown field(s) 'department'"),
    ],
)
def test_invalid_rule_data_raises_a_clear_rule_error(edit: Edit, message: str) -> None:
    data = copy.deepcopy(VALID)
    replaced = edit(data)
    data = data if replaced is None else replaced
    with pytest.raises(RuleError) as caught:
        RuleSet.from_dict(data)
    assert message in str(caught.value)
    assert str(caught.value) in rule_errors(data)


@pytest.mark.parametrize("data", [VALID, load_rules().to_dict(), {"version": "v", "category_defaults": {}}])
def test_valid_rule_data_has_no_errors(data: dict[str, Any]) -> None:
    assert rule_errors(data) == []


def test_rule_errors_lists_every_problem_at_once() -> None:
    data = copy.deepcopy(VALID)
    data.update(version="", fallback_department="support", category_defaults={"finance": "accounting"})
    data["rules"][0]["department"] = "fin"
    data["rules"].append({"id": "r2", "department": "apps", "keywords_any": ["x"]})
    data["priority_rules"].append({"id": "p2", "priority": "critical", "keywords_any": ["x"]})
    assert rule_errors(data) == [
        "rule set: 'version' must be a non-empty string",
        "rule set: unknown fallback_department 'support' (allowed: delivery, returns, finance, apps, triage)",
        "category_defaults['finance']: unknown department 'accounting' (allowed: delivery, returns, finance, apps, "
        "triage)",
        "rule 'r1': unknown department 'fin' (allowed: delivery, returns, finance, apps, triage)",
        "rule 'p2': unknown priority 'critical' (allowed: normal, high, urgent)",
        "rule 'r2': duplicate rule id",
    ]


def test_rule_error_is_a_value_error() -> None:
    assert issubclass(RuleError, ValueError)


def test_optional_fields_take_their_defaults() -> None:
    ruleset = RuleSet.from_dict({"version": "v", "category_defaults": {}})
    assert (ruleset.rules, ruleset.priority_rules, ruleset.fallback_department) == ((), (), "triage")
    parsed = RuleSet.from_dict(VALID).rules[1]
    assert (parsed.priority, parsed.categories, parsed.keywords_any, parsed.description) == ("normal", (), (), "")


@pytest.mark.parametrize("ruleset", [RuleSet.from_dict(VALID), load_rules()], ids=["small", "shipped"])
def test_to_dict_round_trips_through_json(ruleset: RuleSet) -> None:
    assert RuleSet.from_dict(json.loads(json.dumps(ruleset.to_dict(), ensure_ascii=False))) == ruleset


def test_load_rules_reads_the_shipped_file_by_default() -> None:
    shipped = load_rules()
    assert shipped == load_rules(DEFAULT_RULES_PATH)
    assert shipped.version
    assert shipped.fallback_department == "triage"
    assert dict(shipped.category_defaults) == {
        "delivery_delay": "delivery", "order_return_status": "returns", "finance": "finance", "app_bug": "apps",
    }


@pytest.mark.parametrize("as_str", [True, False])
def test_load_rules_reads_a_custom_path(tmp_path: Path, as_str: bool) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(VALID, ensure_ascii=False), encoding="utf-8")
    ruleset = load_rules(str(path) if as_str else path)
    assert ruleset == RuleSet.from_dict(VALID)
    assert ruleset.rules[0].keywords_any == ("đối soát", "cod")


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "invalid JSON"), (json.dumps({"version": "v"}), "'category_defaults' is required")],
)
def test_load_rules_rejects_a_bad_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load_rules(path)


def test_load_rules_missing_file_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_rules(tmp_path / "missing.json")
