"""Every staff and admin page, opened in Vietnamese by each role with a ticket history, notifications
and audit records behind it, shows words: no code (`waiting_on_seller`, `department.calendar_set`),
no Python dict or JSON, no escape, and none of the common English words of the interface.

What a page may rightly show as it is, and is left out of the check:
- <code>, <kbd>, <pre> and <textarea> content: the codes an admin types (CSV columns, JSON rules);
- <script>, <style> and every attribute value: not read as the page's text;
- what the page marks as not to be translated (`translate="no"`, e.g. the descriptions an admin wrote
  for routing rules) or as written in another language (`lang="en"`, e.g. a department's English name);
- e-mail addresses, web addresses, ticket references (T-2612-0001), seller codes (DEMO-001) and the
  placeholders staff type in canned replies ({seller_name})."""
from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.services import (
    api_tokens,
    audit,
    canned,
    departments,
    policies,
    routing_rules,
    seller_import,
    sellers,
    sla_jobs,
    staff,
    staff_actions,
    webhooks,
)
from portal.services.runtime import runtime
from tests import factories
from tests.clients import csrf_from

# the staff and admin pages, by endpoint; what their path needs comes from the data below
BLUEPRINTS = ("inbox.", "reports.", "admin.")
NOT_PAGES = {"inbox.root",  # a redirect
             "inbox.attachment", "inbox.attachment_thumb",  # a file, an image
             "admin.seller_qr_png",  # an image
             "reports.sla_csv", "reports.sla_xlsx"}  # downloads

CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # waiting_on_seller, status_changed
ACTION = re.compile(r"\b[a-z_]+\.[a-z_]+\b")  # department.calendar_set
DUMP = re.compile(r"\{'|\{\"|\\u00|\[\{")  # a Python dict, JSON, an escape
ENGLISH = re.compile(r"\b(Status|Priority|Department|Assignee|Category|Seller|Action|Target|Changes|Who|When|"
                     r"Ticket|Tickets|Reply|Send|Save|Search|Filter|Cancel|Edit|Show|Resolved|Waiting|Open|"
                     r"missed|target|breached|escalated|unassigned|any|None|True|False)\b")
ALLOWED = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|\bT-\d{4}-\d{4,}\b|\bDEMO-\d+\b|\{\w+\}")
# a text that is only department codes ("delivery", "delivery, finance"), where a name belongs
_DEPARTMENT = r"(?:delivery|returns|finance|apps|triage)"
DEPARTMENT_CODES = re.compile(rf"{_DEPARTMENT}(?:, {_DEPARTMENT})*")
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "pre", "textarea"}


class _Text(HTMLParser):
    """The text a reader sees: text nodes outside the skipped elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipped: list[list] = []  # [tag, depth] of the skipped element the parser is in

    def handle_starttag(self, tag, attrs):
        if self.skipped:
            if tag == self.skipped[-1][0]:
                self.skipped[-1][1] += 1
            return
        attributes = dict(attrs)
        if (tag in SKIPPED_ELEMENTS or attributes.get("translate") == "no"
                or attributes.get("lang", "vi") != "vi"):
            self.skipped.append([tag, 1])

    def handle_endtag(self, tag):
        if self.skipped and tag == self.skipped[-1][0]:
            self.skipped[-1][1] -= 1
            if not self.skipped[-1][1]:
                self.skipped.pop()

    def handle_data(self, data):
        if not self.skipped and data.strip():
            self.parts.append(" ".join(data.split()))


def text_parts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def visible_text(html: str) -> list[str]:
    """The text, without what may rightly be shown as it is."""
    return [ALLOWED.sub(" ", part) for part in text_parts(html)]


def problems(html: str) -> list[str]:
    found = []
    for text in visible_text(html):
        if DEPARTMENT_CODES.fullmatch(text.strip()):
            found.append(f"department code {text!r}")
        for pattern in (CODE, ACTION, DUMP, ENGLISH):
            found += [f"{match.group(0)!r} in {text[:160]!r}" for match in pattern.finditer(text)]
    return found


@pytest.fixture
def world(app, demo, now, dns):
    """Tickets with replies, a transfer, a breach and an escalation; audit records of admin changes,
    among them actions that have no sentence of their own."""
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    rt = runtime()
    moved = factories.ticket(now - dt.timedelta(hours=5), department="delivery")
    staff_actions.reply(moved, agent, "Chúng tôi đang kiểm tra.", False, now=now - dt.timedelta(hours=4))
    staff_actions.reply(moved, agent, "Ghi chú nội bộ", True, now=now - dt.timedelta(hours=4))
    staff_actions.change_status(moved, agent, "waiting_on_seller", now=now - dt.timedelta(hours=3))
    factories.message(moved, "Tôi đã gửi ảnh", now=now - dt.timedelta(hours=2))
    staff_actions.transfer(moved, agent, "finance", "Hoàn tiền COD", now=now - dt.timedelta(hours=1))
    late = factories.ticket(now - dt.timedelta(hours=6), department="delivery",
                            first_response_due_at=now - dt.timedelta(hours=3),
                            at_risk_at=now - dt.timedelta(hours=4))
    if late.assignee_id is None:
        staff_actions.assign(late, agent, agent.email, now=now - dt.timedelta(hours=5))
    factories.ticket(now - dt.timedelta(minutes=30), department="delivery", at_risk_at=now - dt.timedelta(minutes=1))
    sla_jobs.sweep(now, dt.timedelta(hours=2))

    departments.set_calendar("finance", True, "Asia/Ho_Chi_Minh", [], actor=admin, now=now)
    departments.set_calendar("finance", False, "Asia/Ho_Chi_Minh", [], actor=admin, now=now)
    newcomer = factories.user("moi@demo.test", role="agent", name="Nhân Viên Mới", now=now)
    staff.edit_user(newcomer.id, "Nhân Viên Mới", "lead", ["delivery", "finance"], actor=admin, now=now)
    staff.set_active(newcomer.id, False, actor=admin, now=now)
    shop = sellers.add_seller(sellers.SellerData("DEMO-021", "Shop Hoa Mai", "0901234567", "vi"), now=now, actor=admin)
    sellers.edit_seller(shop.id, sellers.SellerData("DEMO-021", "Shop Hoa Mai Quận 1", None, "en"), now=now,
                        actor=admin)
    sellers.revoke_links(shop, now=now, actor=admin)
    _raw, token = api_tokens.issue(agent, "Zalo OA", actor=admin, now=now)
    api_tokens.revoke(token.id, actor=admin, now=now)
    policies.set_policy("delivery", "high", 60, 45, 480, actor=admin, now=now, rt=rt)
    reply = canned.add("delivery", "Đang kiểm tra", "Chào {seller_name}", actor=admin, now=now)
    canned.set_active(reply.id, False, actor=admin, now=now)
    endpoint = webhooks.add_endpoint("https://hooks.example.com/portal", ["sla_breached", "ticket_created"],
                                     "a-secret-of-twenty-chars", now, actor=admin)
    webhooks.deactivate_endpoint(endpoint.id, now, actor=admin)
    rules = routing_rules.file_ruleset().to_dict()
    rules["fallback_department"] = "finance"
    routing_rules.save_version(rules, "Chuyển mặc định sang tài chính", now=now, actor=admin)
    for action, kind in (("integration_token.issued", "integration_token"), ("seller_notification.resent", "seller")):
        audit.record(action, kind, "DEMO-001", before=None, after={"channel": "zalo", "sent": True}, now=now,
                     actor=admin)
    db.session.commit()
    imports = Path(app.config.get("SELLER_IMPORTS_DIR") or Path(app.instance_path) / "imports")
    rows = seller_import.parse_csv("code,name,phone,locale\nDEMO-021,Shop Hoa Mai Mới,0901234567,vi\n"
                                   "DEMO-030,Shop Mới,0901,xx\nDEMO-031,Shop Lan,,en\n")
    import_id = seller_import.save_pending(imports, rows, filename="sellers.csv", user_id=admin.id, now=now)
    return {"reference": late.reference, "moved": moved.reference, "seller_id": shop.id, "user_id": newcomer.id,
            "code": "finance", "number": 1, "import_id": import_id}


def page_paths(app, world: dict) -> list[str]:
    """Every GET page of the staff and admin blueprints, with its path filled from the data."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.endpoint.startswith(BLUEPRINTS) or rule.endpoint in NOT_PAGES:
            continue
        values = {key: world[key] for key in ("reference", "seller_id", "user_id", "code", "number", "import_id")}
        with app.test_request_context():
            paths.append(url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}))
    return sorted(set(paths)) + [f"/tickets/{world['moved']}"]


ROLES = {"admin": "admin@demo.test", "manager": "manager@demo.test", "lead": "lead.delivery@demo.test",
         "agent": "agent1.delivery@demo.test"}


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_speaks_vietnamese(app, client, auth, world, role):
    assert auth.login(ROLES[role]).status_code == 303
    opened, found, paths = 0, {}, page_paths(app, world)
    for path in paths:
        response = client.get(path, query_string={"lang": "vi"})
        refused = response.status_code in (403, 404) and role != "admin"  # the access tests cover who sees what
        assert refused or response.status_code == 200, (path, response.status_code)
        html = response.get_data(as_text=True)
        assert '<html lang="vi">' in html, path  # the refusal too
        opened += not refused
        if bad := problems(html):
            found[path] = bad
    assert opened == len(paths) if role == "admin" else opened >= 3
    assert not found, "\n".join(f"{path}: {bad}" for path, items in found.items() for bad in items)


def test_audit_and_notifications_read_as_sentences(client, auth, world):
    assert auth.login("admin@demo.test").status_code == 303
    html = client.get("/admin/audit", query_string={"lang": "vi"}).get_data(as_text=True)
    text = " ".join(text_parts(html))
    assert ("Admin Quản Trị đổi lịch làm việc của Tài chính: Mở cửa 24/7 → Giờ làm việc theo múi giờ "
            "Asia/Ho_Chi_Minh: Th 2–Th 6 08:00–17:30; Th 7 08:00–12:00") in text
    assert "Admin Quản Trị thêm người bán DEMO-021 (Shop Hoa Mai)" in text
    assert "thu hồi mã API “Zalo OA” của Agent 1 Delivery" in text
    assert "Vai trò: Nhân viên xử lý → Trưởng nhóm" in text and "Đang hoạt động: có → không" in text
    assert "Thay đổi khác" in html  # the filter names an action it has no label for by its kind
    client.set_cookie("lang", "en")
    assert auth.login("agent1.delivery@demo.test").status_code == 303
    listing = " ".join(text_parts(client.get("/notifications", query_string={"lang": "vi"}).get_data(as_text=True)))
    assert f"{world['reference']} đã trễ hạn phản hồi đầu tiên" in listing


def test_routing_errors_in_vietnamese(client, auth, demo):
    assert auth.login("admin@demo.test").status_code == 303
    page = client.get("/admin/routing", query_string={"lang": "vi"}).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "rules_json": '{"rules": [', "comment": "", "days": "30",
            "base_version": ""}
    broken = client.post("/admin/routing", data=data).get_data(as_text=True)
    assert "JSON không hợp lệ: thiếu một giá trị tại dòng 1, cột 12." in broken
    data["rules_json"] = ('{"category_defaults": {}, "rules": [{"id": "a", "department": "moon", '
                          '"categories": ["delivery_delay"]}]}')
    invalid = " ".join(visible_text(client.post("/admin/routing", data=data).get_data(as_text=True)))
    assert "Quy tắc 'a': 'moon' không phải bộ phận hợp lệ" in invalid
    assert not problems(invalid)


def test_routing_preview_in_vietnamese(client, auth, world):
    assert auth.login("admin@demo.test").status_code == 303
    page = client.get("/admin/routing", query_string={"lang": "vi"}).get_data(as_text=True)
    rules = routing_rules.file_ruleset().to_dict()
    rules["category_defaults"]["delivery_delay"] = "returns"
    rules["rules"] = []
    data = {"csrf_token": csrf_from(page), "rules_json": json.dumps(rules), "comment": "", "days": "30",
            "base_version": "1"}
    preview = client.post("/admin/routing", data=data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "từ Lấy và giao hàng sang Đơn hàng và hoàn hàng" in html
    assert not problems(html)
