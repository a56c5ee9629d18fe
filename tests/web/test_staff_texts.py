"""Notifications and routing explanations, stored as the engine and the SLA sweep wrote them (English),
read in the page's language; a form the page does not know is shown as it was stored."""
from __future__ import annotations

import pytest
from flask_babel import refresh

from portal import notification_text, routing_text
from portal.models import Notification

DEPARTMENTS = {"delivery": "Lấy và giao hàng", "finance": "Tài chính"}.get


@pytest.mark.parametrize(("kind", "stored", "vietnamese"), [
    ("sla_at_risk", "T-2612-0001 is at risk of missing its first-response target",
     "T-2612-0001 sắp trễ hạn phản hồi đầu tiên"),
    ("sla_breached", "T-2612-0001 missed its first-response target", "T-2612-0001 đã trễ hạn phản hồi đầu tiên"),
    ("escalated", "T-2612-0001 breached its first-response target: escalated to leads",
     "T-2612-0001 đã trễ hạn phản hồi đầu tiên: đã báo trưởng nhóm"),
    ("escalated", "T-2612-0001 is still unanswered long after its due time: escalated to managers",
     "T-2612-0001 vẫn chưa được trả lời dù đã quá hạn lâu: đã báo quản lý"),
    ("lead_requested", "T-2612-0001: the seller asks for a team lead", "Có thông tin mới về T-2612-0001"),
])
def test_notifications_in_the_page_language(app, kind, stored, vietnamese):
    notification = Notification(kind=kind, text=stored)
    with app.test_request_context("/", query_string={"lang": "vi"}):
        refresh()  # the locale of this request, not one kept from another
        assert notification_text.text(notification, "T-2612-0001") == vietnamese
    with app.test_request_context("/", query_string={"lang": "en"}):
        refresh()
        assert notification_text.text(notification, "T-2612-0001") == stored


@pytest.mark.parametrize(("stored", "vietnamese"), [
    ("delivery: rule pickup matched 'chua lay' and 2 tracking numbers; priority high by rule urgent matched 'gap' "
     "(rules v3)",
     "Gửi đến Lấy và giao hàng theo quy tắc pickup vì nội dung có “chua lay” và có 2 mã vận đơn; độ ưu tiên cao "
     "theo quy tắc urgent vì nội dung có “gap” (bộ quy tắc v3)"),
    ("finance: category finance (no keyword rule matched) (rules 2025-11.1)",
     "Gửi đến Tài chính, bộ phận phụ trách Tài chính: không quy tắc từ khoá nào khớp (bộ quy tắc 2025-11.1)"),
    ("triage: category other, no rule matched; priority urgent by rule big (rules v1)",
     "Gửi đến triage, nơi nhận yêu cầu khi không quy tắc nào khớp (Khác); độ ưu tiên khẩn theo quy tắc big "
     "(bộ quy tắc v1)"),
    ("routed by hand", "routed by hand"),
])
def test_routing_explanations_as_sentences(app, stored, vietnamese):
    with app.test_request_context("/", query_string={"lang": "vi"}):
        refresh()
        assert routing_text.sentence(stored, lambda code: DEPARTMENTS(code) or code) == vietnamese
