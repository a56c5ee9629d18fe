"""Every audit action the services record reads as a sentence, its fields and values as words, in
Vietnamese as in English; an action added later without words still reads as a sentence."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from flask_babel import get_locale, refresh

from portal import audit_text
from portal.audit_values import Names
from portal.models import AuditEvent

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "services"
RECORDING = re.compile(r"(?:audit\.record|_audit|_new_link_version)\([^)]*")
ACTION = re.compile(r'"([a-z_]+\.[a-z_]+)"')
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+\.[a-z_]+\b|\{['\"]|\bNone\b|\bTrue\b|\bFalse\b")

NAMES = Names(departments={"delivery": "Lấy và giao hàng", "finance": "Tài chính"},
              people={"admin@demo.test": "Admin Quản Trị", "agent1@demo.test": "Agent Một"})
CALENDAR = {"kind": "business", "timezone": "Asia/Ho_Chi_Minh", "country": "VN", "holidays": [],
            "weekly_hours": {str(d): [["08:00", "17:30"]] for d in range(5)}}
RULE_LINE = ("department delivery; priority high; categories delivery_delay; keywords chưa lấy; "
             "at least 2 tracking numbers")
# action → (target kind, target label, before, after), shaped as the services record them
EXAMPLES = {
    "seller.added": ("seller", "DEMO-021", None, {"code": "DEMO-021", "name": "Shop Hoa Mai", "phone": None,
                                                   "locale": "vi"}),
    "seller.edited": ("seller", "DEMO-021", {"name": "A", "locale": "vi"}, {"name": "B", "locale": "en"}),
    "seller.imported": ("seller", "DEMO-022", None, {"code": "DEMO-022", "name": "Shop", "locale": "vi"}),
    "seller.link_revoked": ("seller", "DEMO-021", {"link_version": 1}, {"link_version": 2}),
    "seller.link_rotated": ("seller", "DEMO-021", {"link_version": 2}, {"link_version": 3}),
    "seller.erased": ("seller", "DEMO-021", None, {"erased": "name=1 phone=1 tickets=2 messages=3 attachments=0 "
                                                             "files=0 webhook_deliveries=1 audit_events=2",
                                                   "link_version": 4}),
    "seller.links_exported": ("seller", "all sellers", None, {"sellers": 20}),
    "user.added": ("user", "agent1@demo.test", None, {"email": "agent1@demo.test", "name": "Agent Một",
                                                      "role": "agent", "active": True, "departments": ["delivery"]}),
    "user.edited": ("user", "agent1@demo.test", {"role": "agent", "departments": ["delivery"]},
                    {"role": "lead", "departments": ["delivery", "finance"]}),
    "user.deactivated": ("user", "agent1@demo.test", {"active": True},
                         {"active": False, "open_tickets_unassigned": ["T-2612-0001"]}),
    "user.reactivated": ("user", "agent1@demo.test", {"active": False}, {"active": True}),
    "user.password_reset": ("user", "agent1@demo.test", {"password": "previous"},
                            {"password": "generated", "sessions_ended": 2}),
    "api_token.issued": ("api_token", "agent1@demo.test: Zalo", None,
                         {"id": 1, "user": "agent1@demo.test", "name": "Zalo", "prefix": "pst_7VwcpkbC",
                          "revoked": False}),
    "api_token.revoked": ("api_token", "agent1@demo.test: Zalo", {"user": "agent1@demo.test", "name": "Zalo",
                                                                  "revoked": False},
                          {"user": "agent1@demo.test", "name": "Zalo", "revoked": True}),
    "policy.set": ("policy", "delivery/high", None, {"version": 1, "first_response_minutes": 60,
                                                     "at_risk_minutes": None, "resolution_minutes": 480}),
    "policy.reapplied": ("policy", "*/open tickets", {"department": "*", "first_response_due_at": {}},
                         {"department": "*", "first_response_due_at": {"T-2612-0001": "2026-12-07T10:00:00+00:00"},
                          "tickets_changed": 1}),
    "canned.added": ("canned_reply", "delivery: Chào", None, {"department": "delivery", "title": "Chào",
                                                              "body": "Chào {seller_name}", "active": True}),
    "canned.switched_on": ("canned_reply", "delivery: Chào", {"department": "delivery", "title": "Chào",
                                                              "active": False},
                           {"department": "delivery", "title": "Chào", "active": True}),
    "canned.switched_off": ("canned_reply", "delivery: Chào", {"department": "delivery", "title": "Chào",
                                                               "active": True},
                            {"department": "delivery", "title": "Chào", "active": False}),
    "webhook.added": ("webhook", "1 https://hooks.example.com/x", None,
                      {"url": "https://hooks.example.com/x", "events": "sla_breached,ticket_created", "active": True}),
    "webhook.deactivated": ("webhook", "1 https://hooks.example.com/x", {"active": True}, {"active": False}),
    "webhook.delivery_retried": ("webhook", "1 https://hooks.example.com/x", {"delivery": 7, "status": "failed"},
                                 {"delivery": 7, "status": "pending"}),
    "department.added": ("department", "finance", None, {"name": "Finance", "name_vi": "Tài chính"}),
    "department.edited": ("department", "finance", {"leads": ["admin@demo.test"]}, {"leads": []}),
    "department.calendar_set": ("department", "finance", CALENDAR, {"kind": "24/7"}),
    "routing.saved": ("routing", "v2", {"fallback_department": "delivery", "category_defaults": "other: delivery",
                                        "rule pickup": RULE_LINE},
                      {"fallback_department": "finance", "category_defaults": "other: finance", "comment": "x"}),
    "retention.applied": ("tickets", "closed before 2025-01-01", None,
                          {"days": 365, "attachments": 2, "phones": 1, "tickets": ["T-2501-0001"]}),
    "integration_token.issued": ("integration_token", "carrier: feed", None, {"name": "feed"}),
    "integration_token.revoked": ("integration_token", "carrier: feed", {"revoked_at": None},
                                  {"revoked_at": "2026-12-01T10:00:00+00:00"}),
    "seller_notification.sent_again": ("seller_notification", "42", {"status": "dead"}, {"status": "pending"}),
    "reason.added": ("resolution_reason", "carrier_delay", None,
                     {"code": "carrier_delay", "label_en": "Carrier delay", "label_vi": "Hãng vận chuyển giao chậm"}),
    "reason.renamed": ("resolution_reason", "carrier_delay", {"label_en": "Late carrier"},
                       {"label_en": "Carrier delay", "label_vi": "Hãng vận chuyển giao chậm"}),
    "reason.switched_on": ("resolution_reason", "other", {"active": False},
                           {"active": True, "label_en": "Other", "label_vi": "Khác"}),
    "reason.switched_off": ("resolution_reason", "other", {"active": True},
                            {"active": False, "label_en": "Other", "label_vi": "Khác"}),
    # an action added later, with no sentence of its own yet
    "parcel.relabelled": ("shipment", "NV10000001", None, {"sent": True}),
}


def recorded_actions() -> set[str]:
    """The actions the services record, read from their source."""
    found = set()
    for path in SERVICES.glob("*.py"):
        for call in RECORDING.findall(path.read_text(encoding="utf-8")):
            found.update(ACTION.findall(call))
    return found


def event(action: str) -> AuditEvent:
    kind, label, before, after = EXAMPLES[action]
    return AuditEvent(created_at=dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC), actor_label="admin@demo.test",
                      action=action, target_kind=kind, target_label=label,
                      before_json=None if before is None else json.dumps(before),
                      after_json=None if after is None else json.dumps(after))


def test_every_recorded_action_has_words():
    actions = recorded_actions()
    assert len(actions) >= 27
    assert actions <= set(audit_text.SENTENCES) and actions <= set(audit_text.ACTION_LABELS)
    assert actions <= set(EXAMPLES)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("action", EXAMPLES)
def test_each_action_reads_as_words(app, lang, action):
    with app.test_request_context("/", query_string={"lang": lang}):
        refresh()
        assert str(get_locale()) == lang
        told = audit_text.sentence(event(action), NAMES)
        changes = audit_text.changes(event(action), NAMES)
        label = audit_text.action_label(action)
    assert told.startswith("Admin Quản Trị ")
    for text in (told, label, *(part for change in changes for part in change)):
        assert not CODE.search(re.sub(r"[\w.+-]+@[\w.-]+|https?://\S+|\{seller_name\}|Asia/Ho_Chi_Minh", "", text)), \
            (action, text)


def test_vietnamese_sentences_and_values(app):
    with app.test_request_context("/", query_string={"lang": "vi"}):
        refresh()
        calendar = audit_text.sentence(event("department.calendar_set"), NAMES)
        rules = dict((k, (old, new)) for k, old, new in audit_text.changes(event("routing.saved"), NAMES))
        user = audit_text.changes(event("user.edited"), NAMES)
        unknown = audit_text.sentence(event("parcel.relabelled"), NAMES)
        issued = audit_text.sentence(event("integration_token.issued"), NAMES)
    assert calendar == ("Admin Quản Trị đổi lịch làm việc của Tài chính: Giờ làm việc theo múi giờ Asia/Ho_Chi_Minh: "
                        "Th 2–Th 6 08:00–17:30; nghỉ vào các ngày lễ của VN → Mở cửa 24/7")
    assert rules['Quy tắc <code translate="no">pickup</code>'] == (
        "bộ phận Lấy và giao hàng; độ ưu tiên cao; loại vấn đề Trễ lấy / giao hàng; "
        'từ khoá <q translate="no">chưa lấy</q>; ít nhất 2 mã vận đơn', "—")
    assert rules["Bộ phận khi không quy tắc nào khớp"] == ("Lấy và giao hàng", "Tài chính")
    assert ("Vai trò", "Nhân viên xử lý", "Trưởng nhóm") in user
    assert ("Bộ phận", "Lấy và giao hàng", "Lấy và giao hàng, Tài chính") in user
    assert unknown == "Admin Quản Trị thực hiện thay đổi (Khác): NV10000001"
    assert issued == "Admin Quản Trị cấp mã tích hợp “carrier: feed”"
