"""The rule errors and JSON syntax errors as message templates, so a page can tell them in its own
language. The engine raises plain English messages (tests, the command line and logs read them);
`explain` finds the template a message was made from and fills it again through the caller's
`translate` (gettext), translating the parts that are words (where the rule is, the kind of value)
and keeping what the editor types as it is (rule ids, JSON field names, codes)."""

from __future__ import annotations

import re
from collections.abc import Callable

from vocabulary import N_

Translate = Callable[..., str]

# json.JSONDecodeError.msg, by the decoder's own wording
JSON_ERRORS = {
    "Expecting value": N_("a value is missing"),
    "Expecting ',' delimiter": N_("a comma is missing"),
    "Expecting ':' delimiter": N_("a colon is missing"),
    "Expecting property name enclosed in double quotes": N_("a field name in double quotes is expected"),
    "Unterminated string starting at": N_("a text is not closed with a double quote"),
    "Invalid control character at": N_("a text holds a line break or another control character"),
    "Invalid \\escape": N_("a backslash escape is not valid"),
    "Invalid \\uXXXX escape": N_("a \\u escape is not valid"),
    "Extra data": N_("there is more after the end of the rules"),
    "Illegal trailing comma before end of object": N_("a comma stands before a closing brace"),
    "Illegal trailing comma before end of array": N_("a comma stands before a closing bracket"),
}

# Python type names in "got list" and "not a dict", as words
KINDS = {"list": N_("a list"), "dict": N_("an object"), "str": N_("a text"), "int": N_("a number"),
         "float": N_("a number"), "bool": N_("true or false"), "NoneType": N_("null")}

# what an unknown value should have been
CHOICES = {"department": N_("department"), "priority": N_("priority"), "category": N_("category"),
           "fallback_department": N_("department for tickets no rule matches")}

_WHERE = r"(?P<where>.+?)"
_TEMPLATES: tuple[tuple[str, str], ...] = (
    (r"rule data must be an object, got (?P<kind>\w+)", N_("The rules must be a JSON object, not %(kind)s.")),
    (_WHERE + r": unknown field\(s\) (?P<fields>.+)", N_("%(where)s: unknown field(s) %(fields)s.")),
    (_WHERE + r": '(?P<field>\w+)' must be a non-empty string", N_("%(where)s: “%(field)s” must be a non-empty text.")),
    (_WHERE + r": '(?P<field>\w+)' must be a string, got (?P<kind>\w+)",
     N_("%(where)s: “%(field)s” must be a text, not %(kind)s.")),
    (_WHERE + r": '(?P<field>\w+)' must be a string", N_("%(where)s: “%(field)s” must be a text.")),
    (_WHERE + r": '(?P<field>\w+)' is required", N_("%(where)s: “%(field)s” is required.")),
    (r"'category_defaults' must be an object mapping category to department",
     N_("“category_defaults” must be a JSON object giving a department for each category.")),
    (_WHERE + r": '(?P<field>\w+)' must be a list, got (?P<kind>\w+)",
     N_("%(where)s: “%(field)s” must be a list, not %(kind)s.")),
    (_WHERE + r": a rule must be an object, got (?P<kind>\w+)",
     N_("%(where)s: a rule must be a JSON object, not %(kind)s.")),
    (_WHERE + r": keywords_any\[(?P<index>\d+)\] must be a string, got (?P<kind>\w+)",
     N_("%(where)s: keyword %(number)s must be a text, not %(kind)s.")),
    (_WHERE + r": keywords_any\[(?P<index>\d+)\] is an empty keyword", N_("%(where)s: keyword %(number)s is empty.")),
    (_WHERE + r": 'min_tracking_numbers' must be a positive integer, got (?P<value>.+)",
     N_("%(where)s: “min_tracking_numbers” must be a whole number from 1 up, not %(value)s.")),
    (_WHERE + r": needs at least one condition \((?P<fields>.+)\)",
     N_("%(where)s: give at least one condition (%(fields)s); a rule without one would catch every ticket.")),
    (_WHERE + r": unknown (?P<choice>\w+) (?P<value>.+) \(allowed: (?P<allowed>.+)\)",
     N_("%(where)s: %(value)s is not a known %(choice)s; use one of %(allowed)s.")),
    (_WHERE + r": duplicate rule id", N_("%(where)s: another rule has the same id.")),
)
_COMPILED = tuple((re.compile(pattern + r"\Z", re.DOTALL), template) for pattern, template in _TEMPLATES)

_PLACES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"rule set\Z"), N_("The rules")),
    (re.compile(r"rule (?P<id>'.*')\Z", re.DOTALL), N_("Rule %(id)s")),
    (re.compile(r"rules\[(?P<index>\d+)\]\Z"), N_("Department rule no. %(number)s")),
    (re.compile(r"priority_rules\[(?P<index>\d+)\]\Z"), N_("Priority rule no. %(number)s")),
    (re.compile(r"category_defaults\[(?P<id>'.*')\]\Z", re.DOTALL), N_("The department for category %(id)s")),
    (re.compile(r"category_defaults\Z"), N_("The departments per category")),
)


def _params(found: re.Match, translate: Translate) -> dict[str, str]:
    params = dict(found.groupdict())
    if "index" in params:
        params["number"] = str(int(params.pop("index")) + 1)
    if "kind" in params:
        params["kind"] = translate(KINDS[params["kind"]]) if params["kind"] in KINDS else params["kind"]
    if "choice" in params:
        params["choice"] = translate(CHOICES[params["choice"]]) if params["choice"] in CHOICES else params["choice"]
    if "where" in params:
        params["where"] = place(params["where"], translate)
    return params


def place(where: str, translate: Translate) -> str:
    """Where in the rules ("rules[2]", "rule 'late-cod'") as words ("Department rule no. 3")."""
    for pattern, template in _PLACES:
        found = pattern.match(where)
        if found:
            return translate(template, **_params(found, translate))
    return where


def explain(message: str, translate: Translate) -> str:
    """A rule error in the caller's language; a message of no known form as it is."""
    for pattern, template in _COMPILED:
        found = pattern.match(message)
        if found:
            return translate(template, **_params(found, translate))
    return message


def json_error(msg: str, translate: Translate) -> str:
    """What a JSONDecodeError's `msg` says, in the caller's language."""
    return translate(JSON_ERRORS[msg]) if msg in JSON_ERRORS else msg


def kind(name: str, translate: Translate) -> str:
    """A Python type name ("list") as a word ("a list")."""
    return translate(KINDS[name]) if name in KINDS else name
