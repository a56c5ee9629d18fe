"""replay(): what a changed rule set would do to existing tickets."""

from collections import Counter
from typing import Any

from routing import RuleSet, TicketFacts, replay, replay_items, route
from routing.replay import MAX_EXAMPLES

OLD: dict[str, Any] = {
    "version": "old",
    "category_defaults": {"order_return_status": "returns", "finance": "finance", "delivery_delay": "delivery"},
    "rules": [{"id": "refunds", "department": "returns", "categories": ["other"], "keywords_any": ["hoàn tiền"]}],
}
NEW: dict[str, Any] = {
    "version": "new",
    "category_defaults": OLD["category_defaults"],
    "rules": [
        {"id": "refunds", "department": "finance", "categories": ["other"], "keywords_any": ["hoàn tiền"]},
        {"id": "pickup", "department": "delivery", "categories": ["other"], "keywords_any": ["chưa lấy hàng"]},
    ],
}

FIXTURE = [
    TicketFacts("other", "Khi nào hoàn tiền?"),
    TicketFacts("other", "hoan tien don VN1"),
    TicketFacts("other", "HOÀN TIỀN giúp shop"),
    TicketFacts("other", "Shipper chưa lấy hàng"),
    TicketFacts("other", "xin chào"),
    TicketFacts("delivery_delay", "giao chậm, hoàn tiền phí ship"),
    TicketFacts("finance", "hóa đơn tháng 10"),
]


def current_departments(ruleset: RuleSet) -> list[tuple[str, TicketFacts]]:
    return [(route(facts, ruleset).department, facts) for facts in FIXTURE]


def test_replay_counts_moves_under_a_changed_ruleset() -> None:
    report = replay(current_departments(RuleSet.from_dict(OLD)), RuleSet.from_dict(NEW))
    assert report.total == 7
    assert report.moved == Counter({("returns", "finance"): 3, ("triage", "delivery"): 1})
    assert report.unchanged == 3
    assert report.examples == {("returns", "finance"): [0, 1, 2], ("triage", "delivery"): [3]}
    assert report.lines() == [
        "3 tickets would move from returns to finance",
        "1 ticket would move from triage to delivery",
        "3 of 7 tickets unchanged",
    ]


def test_replay_with_the_same_ruleset_moves_nothing() -> None:
    ruleset = RuleSet.from_dict(NEW)
    report = replay(current_departments(ruleset), ruleset)
    assert (report.total, report.unchanged, report.moved, report.examples) == (7, 7, Counter(), {})
    assert report.lines() == ["7 of 7 tickets unchanged"]


def test_replay_keeps_mapping_keys_as_examples_and_caps_them() -> None:
    tickets = {f"T-2611-{n:04d}": ("returns", TicketFacts("other", "hoàn tiền")) for n in range(MAX_EXAMPLES + 5)}
    report = replay(tickets, RuleSet.from_dict(NEW))
    assert report.moved[("returns", "finance")] == MAX_EXAMPLES + 5
    assert report.examples[("returns", "finance")] == list(tickets)[:MAX_EXAMPLES]


def test_replay_of_no_tickets() -> None:
    report = replay([], RuleSet.from_dict(NEW))
    assert (report.total, report.unchanged, report.moved) == (0, 0, Counter())
    assert report.lines() == ["no tickets replayed"]


def test_replay_items_reads_a_stream_once_and_keeps_its_keys() -> None:
    pairs = current_departments(RuleSet.from_dict(OLD))
    stream = ((f"T-{index}", pair) for index, pair in enumerate(pairs))
    report = replay_items(stream, RuleSet.from_dict(NEW))
    assert (report.total, report.unchanged) == (7, 3)
    assert report.examples == {("returns", "finance"): ["T-0", "T-1", "T-2"], ("triage", "delivery"): ["T-3"]}
    assert next(stream, None) is None
