"""route(): rule order, conditions, category defaults, fallback, priorities, and the shipped rules."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import CATEGORIES, DEPARTMENTS, PRIORITIES, RuleSet, TicketFacts, load_rules, normalize_text, route

SMALL: dict[str, Any] = {
    "version": "test-1",
    "fallback_department": "triage",
    "category_defaults": {
        "delivery_delay": "delivery",
        "order_return_status": "returns",
        "finance": "finance",
        "app_bug": "apps",
    },
    "rules": [
        {"id": "cod-remittance", "department": "finance", "categories": ["other"],
         "keywords_any": ["đối soát", "cod", "hoan tien"]},
        {"id": "first", "department": "returns", "categories": ["other"], "keywords_any": ["shared"]},
        {"id": "second", "department": "delivery", "categories": ["other"], "keywords_any": ["shared", "solo"]},
        {"id": "bulk", "department": "delivery", "categories": ["order_return_status"], "min_tracking_numbers": 3},
        {"id": "vip", "department": "apps", "priority": "high", "keywords_any": ["vip"]},
        {"id": "finance-only", "department": "triage", "categories": ["finance"]},
    ],
    "priority_rules": [
        {"id": "many-parcels", "priority": "high", "min_tracking_numbers": 10},
        {"id": "urgent-words", "priority": "urgent", "keywords_any": ["khẩn cấp", "urgent", "gấp"]},
    ],
}
RULES = RuleSet.from_dict(SMALL)
SHIPPED = load_rules()


def tracking(count: int) -> tuple[str, ...]:
    return tuple(f"VN{index:08d}" for index in range(count))


@pytest.mark.parametrize(
    ("category", "department"),
    [("delivery_delay", "delivery"), ("order_return_status", "returns"), ("app_bug", "apps")],
)
def test_category_default_applies_when_no_rule_matches(category: str, department: str) -> None:
    decision = route(TicketFacts(category, "xin chào, nothing specific"), RULES)
    assert (decision.department, decision.priority, decision.rule_id) == (department, "normal", None)
    assert decision.explanation == f"{department}: category {category} (no keyword rule matched) (rules test-1)"
    assert decision.ruleset_version == "test-1"


@pytest.mark.parametrize("category", ["other", "", "not-a-category"])
def test_fallback_department_when_no_rule_and_no_default(category: str) -> None:
    decision = route(TicketFacts(category, "xin chào"), RULES)
    assert (decision.department, decision.rule_id) == ("triage", None)
    assert decision.explanation == f"triage: category {category}, no rule matched (rules test-1)"


def test_category_without_default_uses_the_configured_fallback() -> None:
    ruleset = RuleSet.from_dict({**SMALL, "category_defaults": {}, "fallback_department": "returns"})
    assert route(TicketFacts("app_bug", "hello"), ruleset).department == "returns"


@pytest.mark.parametrize(
    ("description", "keyword"),
    [
        ("Chưa nhận tiền đối soát", "đối soát"),
        ("chua nhan tien doi soat", "đối soát"),
        ("ĐỐI SOÁT tuần 45", "đối soát"),
        ("Khi nào hoàn tiền?", "hoan tien"),
        ("HOAN TIEN giup shop", "hoan tien"),
        ("COD: 1.200.000đ", "cod"),
        ("Tiền Cod chưa về", "cod"),
    ],
)
def test_keywords_ignore_case_and_diacritics(description: str, keyword: str) -> None:
    decision = route(TicketFacts("other", description), RULES)
    assert (decision.department, decision.rule_id) == ("finance", "cod-remittance")
    assert decision.explanation == f"finance: rule cod-remittance matched '{keyword}' (rules test-1)"


@pytest.mark.parametrize("description", ["error codes 500", "mã cod123 bị sai", "encoder", "coding"])
def test_keywords_match_whole_words_only(description: str) -> None:
    assert route(TicketFacts("other", description), RULES).department == "triage"


@pytest.mark.parametrize(("category", "department"), [("delivery_delay", "delivery"), ("app_bug", "apps")])
def test_category_restriction_keeps_ticket_with_its_category(category: str, department: str) -> None:
    decision = route(TicketFacts(category, "đơn COD bị chậm, chưa đối soát"), RULES)
    assert (decision.department, decision.rule_id) == (department, None)


@pytest.mark.parametrize(
    ("description", "rule_id", "department"),
    [
        ("shared words", "first", "returns"),
        ("solo words", "second", "delivery"),
        ("shared and solo", "first", "returns"),
    ],
)
def test_first_matching_rule_wins(description: str, rule_id: str, department: str) -> None:
    decision = route(TicketFacts("other", description), RULES)
    assert (decision.rule_id, decision.department) == (rule_id, department)


@pytest.mark.parametrize(
    ("numbers", "department", "rule_id"),
    [
        (tracking(3), "delivery", "bulk"),
        (tracking(2), "returns", None),
        (("VN1", "vn1 ", " VN1", "", "VN2"), "returns", None),
        (("VN1", "VN2", "VN3", "VN3"), "delivery", "bulk"),
    ],
)
def test_min_tracking_numbers_counts_distinct_numbers(
    numbers: tuple[str, ...], department: str, rule_id: str | None
) -> None:
    decision = route(TicketFacts("order_return_status", "status?", numbers), RULES)
    assert (decision.department, decision.rule_id) == (department, rule_id)


def test_rule_without_keywords_explains_tracking_count_and_category() -> None:
    assert route(TicketFacts("order_return_status", "x", tracking(4)), RULES).explanation == (
        "delivery: rule bulk matched 4 tracking numbers (rules test-1)"
    )
    assert route(TicketFacts("finance", "x"), RULES).explanation == (
        "triage: rule finance-only matched category finance (rules test-1)"
    )


@pytest.mark.parametrize(
    ("category", "description", "count", "priority", "suffix"),
    [
        ("delivery_delay", "giao chậm", 0, "normal", ""),
        ("delivery_delay", "giao chậm", 9, "normal", ""),
        ("delivery_delay", "giao chậm", 10, "high", "; priority high by rule many-parcels matched 10 tracking numbers"),
        ("delivery_delay", "cần gấp", 0, "urgent", "; priority urgent by rule urgent-words matched 'gấp'"),
        ("delivery_delay", "can gap", 12, "urgent", "; priority urgent by rule urgent-words matched 'gấp'"),
        ("delivery_delay", "KHAN CAP", 0, "urgent", "; priority urgent by rule urgent-words matched 'khẩn cấp'"),
        ("other", "vip seller", 0, "high", "; priority high by rule vip"),
        ("other", "vip seller", 10, "high", "; priority high by rule vip"),
        ("other", "vip seller, urgent", 0, "urgent", "; priority urgent by rule urgent-words matched 'urgent'"),
    ],
)
def test_highest_priority_wins_and_is_explained(
    category: str, description: str, count: int, priority: str, suffix: str
) -> None:
    decision = route(TicketFacts(category, description, tracking(count)), RULES)
    assert decision.priority == priority
    if suffix:
        assert decision.explanation.endswith(f"{suffix} (rules test-1)")
    else:
        assert "priority" not in decision.explanation


def test_explanation_names_rule_and_keyword_as_written() -> None:
    decision = route(TicketFacts("other", "Chưa nhận tiền doi soat, gấp!"), RULES)
    assert decision.explanation == (
        "finance: rule cod-remittance matched 'đối soát'; priority urgent by rule urgent-words matched 'gấp'"
        " (rules test-1)"
    )


@pytest.mark.parametrize(
    ("category", "description", "department", "rule_id"),
    [
        ("other", "Chưa nhận được tiền đối soát tuần trước", "finance", "cod-remittance"),
        ("other", "Please send the invoice for October", "finance", "refund-invoice"),
        ("other", "refund for a returned order", "finance", "refund-invoice"),
        ("other", "Khách trả hàng, khi nào hàng hoàn về kho?", "returns", "return-rts"),
        ("other", "RTS parcel still not back", "returns", "return-rts"),
        ("other", "Cho hỏi trạng thái đơn VN123", "returns", "order-status"),
        ("other", "Shipper chưa lấy hàng từ hôm qua", "delivery", "pickup-missed"),
        ("other", "Late delivery to Ha Noi", "delivery", "delivery-late"),
        ("other", "App crash khi in phiếu giao hàng", "apps", "app-bug"),
        ("other", "cannot log in since this morning", "apps", "login-blocked"),
        ("other", "Phí ship tháng này tăng?", "finance", "fees-and-cod"),
        ("other", "Xin chào, tôi cần tư vấn", "triage", None),
        ("delivery_delay", "Đơn COD giao chậm 3 ngày", "delivery", None),
        ("delivery_delay", "shipper không đăng nhập được nên chưa lấy hàng", "delivery", None),
        ("order_return_status", "Shipper chưa lấy hàng hoàn", "returns", "return-rts"),
        ("order_return_status", "Đơn chưa được lấy hàng 2 ngày", "delivery", "pickup-missed"),
        ("order_return_status", "Khi nào hoàn tiền cho đơn này?", "returns", None),
        ("order_return_status", "Không đăng nhập được để xem đơn hoàn", "apps", "login-blocked"),
        ("finance", "Không đăng nhập được để tải hóa đơn", "apps", "login-blocked"),
        ("finance", "Hoàn tiền cho đơn hoàn hàng chưa về", "finance", None),
        ("finance", "phí giao hàng bị tính sai", "finance", None),
        ("app_bug", "Trang đối soát bị lỗi", "apps", None),
    ],
)
def test_shipped_rules_route_realistic_tickets(
    category: str, description: str, department: str, rule_id: str | None
) -> None:
    decision = route(TicketFacts(category, description), SHIPPED)
    assert (decision.department, decision.rule_id) == (department, rule_id), decision.explanation


@pytest.mark.parametrize(
    ("description", "count", "priority"),
    [
        ("Cần xử lý gấp đơn này", 0, "urgent"),
        ("URGENT: parcel stuck", 0, "urgent"),
        ("Hàng bị mất trong kho", 0, "high"),
        ("Mặt hàng này giao chậm", 0, "normal"),
        ("Khăn tắm giao chậm", 0, "normal"),
        ("giao chậm nhiều đơn", 10, "high"),
    ],
)
def test_shipped_priority_rules(description: str, count: int, priority: str) -> None:
    assert route(TicketFacts("delivery_delay", description, tracking(count)), SHIPPED).priority == priority


# Rules allowed to move a ticket away from the department of the category the seller chose; every
# other keyword rule must be limited to 'other' or to categories whose default is its own department.
CROSS_CATEGORY_RULES = {"login-blocked", "pickup-missed"}


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda rule: rule.id)
def test_shipped_rules_only_override_a_category_on_purpose(rule: Any) -> None:
    categories = rule.categories or CATEGORIES
    overridden = {c for c in categories if c != "other" and SHIPPED.category_defaults.get(c) != rule.department}
    assert not overridden or rule.id in CROSS_CATEGORY_RULES
    assert rule.description


def test_shipped_rules_reach_every_department_from_other() -> None:
    reached = {rule.department for rule in SHIPPED.rules if not rule.categories or "other" in rule.categories}
    assert reached == {"delivery", "returns", "finance", "apps"}


tickets = st.builds(
    TicketFacts,
    category=st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=20)),
    description=st.text(),
    tracking_numbers=st.lists(st.text(max_size=12), max_size=15).map(tuple),
    seller_code=st.text(max_size=8),
)


@given(tickets)
def test_route_never_raises_and_returns_known_values(facts: TicketFacts) -> None:
    for ruleset in (SHIPPED, RULES):
        decision = route(facts, ruleset)
        assert decision.department in DEPARTMENTS
        assert decision.priority in PRIORITIES
        assert decision.explanation.startswith(f"{decision.department}: ")
        assert decision.explanation.endswith(f" (rules {ruleset.version})")
        assert decision.ruleset_version == ruleset.version


@given(tickets)
def test_route_sees_only_the_normalized_description(facts: TicketFacts) -> None:
    plain = TicketFacts(facts.category, normalize_text(facts.description), facts.tracking_numbers)
    original, normalised = route(facts, SHIPPED), route(plain, SHIPPED)
    assert (original.department, original.priority, original.rule_id) == (
        normalised.department, normalised.priority, normalised.rule_id
    )
