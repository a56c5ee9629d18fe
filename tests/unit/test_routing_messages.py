"""Every message the rules engine gives an editor has a template a page can translate: none is
shown as the engine's English, and the parts that are words are told as words."""
from __future__ import annotations

import json

import pytest

import routing
from routing import messages


def fill(template: str, **params: str) -> str:
    """gettext without a catalogue: the English template, filled."""
    return template % params if params else template


BAD_RULES = [
    [],
    {"category_defaults": [], "rules": {}, "priority_rules": "x", "version": "", "extra": 1},
    {"version": "v", "description": 3, "fallback_department": "moon"},
    {"version": "v", "category_defaults": {"nonsense": "apps", "refund": "accounting"},
     "rules": [5, {"id": " "}, {"id": "a", "department": "apps"}, {"id": "b", "department": "apps", "x": 1},
               {"id": "c", "department": "apps", "keywords_any": [3, "  "], "min_tracking_numbers": 0},
               {"id": "d", "department": "apps", "categories": ["nope"], "description": 1},
               {"id": "e", "department": "apps", "priority": "asap", "keywords_any": "x"},
               {"id": "f", "department": "apps", "keywords_any": ["a"]},
               {"id": "f", "department": "apps", "keywords_any": ["a"]}],
     "priority_rules": [{"id": "p", "priority": "soon", "keywords_any": ["a"]}]},
]


@pytest.mark.parametrize("data", BAD_RULES)
def test_every_rule_error_has_a_template(data):
    problems = routing.rule_errors(data)
    assert problems
    for problem in problems:
        told = messages.explain(problem, fill)
        assert told != problem, problem
        assert " got " not in told and "rules[" not in told and "rule set" not in told, told


def test_places_and_kinds_are_words():
    assert messages.explain("rules[2]: a rule must be an object, got int", fill) == \
        "Department rule no. 3: a rule must be a JSON object, not a number."
    assert messages.explain("rule 'x': unknown department 'moon' (allowed: apps, finance)", fill) == \
        "Rule 'x': 'moon' is not a known department; use one of apps, finance."
    assert messages.explain("something new", fill) == "something new"


@pytest.mark.parametrize("text", ['{"rules": [', '{"a": 1,}', '{"a" 1}', '{"a": 1 "b": 2}', '{"a": "b', '{} x',
                                  '{"a": "\\x"}', '{"a": "\\u12"}', '{"a": "\t"}', '{a: 1}'])
def test_json_errors_are_known(text):
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    assert caught.value.msg in messages.JSON_ERRORS
