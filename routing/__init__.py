"""Pure rules engine: maps a new seller ticket to a department and priority, with an explanation.

Standard library only; the portal imports this package, never the other way round.
"""

from routing.assign import pick_least_loaded
from routing.replay import ReplayReport
from routing.rules import (
    DEFAULT_RULES_PATH,
    RoutingDecision,
    RuleSet,
    TicketFacts,
    load_rules,
    replay,
    replay_items,
    route,
    rule_errors,
)
from routing.schema import CATEGORIES, DEPARTMENTS, PRIORITIES, PriorityRule, Rule, RuleError
from routing.text import find_keyword, normalize_text

__all__ = [
    "CATEGORIES",
    "DEFAULT_RULES_PATH",
    "DEPARTMENTS",
    "PRIORITIES",
    "PriorityRule",
    "ReplayReport",
    "RoutingDecision",
    "Rule",
    "RuleError",
    "RuleSet",
    "TicketFacts",
    "find_keyword",
    "load_rules",
    "normalize_text",
    "pick_least_loaded",
    "replay",
    "replay_items",
    "route",
    "rule_errors",
]
