"""/admin/routing: edit, preview with a back-test, confirm, versions and restore; who may do what."""
from __future__ import annotations

import copy
import html
import json
import re

import pytest
from sqlalchemy import func, select

import routing
from portal.extensions import db
from portal.models import AuditEvent, RoutingRuleSet, Ticket
from portal.services import links, routing_rules, sellers
from tests import factories
from tests.clients import csrf_from
from tests.routing_rulesets import V1, V2

HIDDEN_RULES = re.compile(r'<input type="hidden" name="rules_json" value="([^"]*)"')
BASE_VERSION = re.compile(r'<input id="base_version" name="base_version" type="hidden" value="(\d*)">')


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return client


def editor_post(client, path, rules, **fields):
    page = client.get("/admin/routing").get_data(as_text=True)
    text = rules if isinstance(rules, str) else json.dumps(rules, ensure_ascii=False, indent=2)
    data = {"csrf_token": csrf_from(page), "rules_json": text, "comment": "", "days": "30", "base_version": "",
            **fields}
    return client.post(path, data=data)


def test_the_page_shows_the_active_rules_as_json_and_as_a_table(admin):
    page = admin.get("/admin/routing")
    body = text_of(page)
    assert page.status_code == 200
    shipped = routing.load_rules()
    assert f"the rules file ({shipped.version})" in body and "No saved versions" in body
    assert '"id": "cod-remittance"' in body  # the editable JSON
    assert "<code>cod-remittance</code>" in body  # the readable table
    assert "admin-routing.js" in body and 'name="days"' in body


def test_invalid_json_and_invalid_rules_answer_422_with_messages_and_save_nothing(admin):
    broken = editor_post(admin, "/admin/routing", '{"rules": [')
    assert broken.status_code == 422
    assert "Not valid JSON: a value is missing at line 1, column 12." in text_of(broken)
    bad = dict(copy.deepcopy(V2), fallback_department="moon")
    bad["rules"][0]["priority"] = "asap"
    invalid = editor_post(admin, "/admin/routing", bad)
    body = text_of(invalid)
    assert invalid.status_code == 422 and "The rules have 2 problems; nothing was saved." in body
    assert "'moon' is not a known department for tickets no rule matches" in body
    assert "Rule 'refunds': 'asap' is not a known priority" in body
    assert '"fallback_department": "moon"' in body  # the edit is kept for fixing
    empty = editor_post(admin, "/admin/routing", "", days="0")
    assert empty.status_code == 422 and "it is empty" in text_of(empty) and "between 1 and 365 days" in text_of(empty)
    # the confirm step validates again: a forged or stale form saves nothing either
    assert editor_post(admin, "/admin/routing/confirm", bad).status_code == 422
    assert count(RoutingRuleSet) == 0 and count(AuditEvent) == 0


def test_preview_shows_the_backtest_and_only_confirm_saves(admin, now):
    routing_rules.save_version(copy.deepcopy(V1), "start", now=now, actor_label="test")
    moving = [factories.ticket(now, category="other", description=f"hoàn tiền đơn {n}") for n in range(3)]
    factories.ticket(now, category="delivery_delay", description="giao chậm")
    preview = editor_post(admin, "/admin/routing", V2, comment="refunds to finance", base_version="1")
    body = text_of(preview)
    assert preview.status_code == 200
    assert "This change would move <strong>3</strong> of the 4 tickets of the last 30 days" in body
    assert "3 tickets from Orders & returns to Finance" in body
    assert all(ticket.reference in body for ticket in moving) and "hoàn tiền đơn 0" in body
    assert 'Rule <code translate="no">pickup</code>' in body  # what changes in the rules
    assert count(RoutingRuleSet) == 1 and routing_rules.active_ruleset().version == "v1"

    # the confirm form carries the very same JSON, the comment and the version the edit started from
    page = preview.get_data(as_text=True)
    carried = html.unescape(HIDDEN_RULES.search(page).group(1))
    assert json.loads(carried) == V2
    saved = admin.post("/admin/routing/confirm", data={
        "csrf_token": csrf_from(page), "rules_json": carried, "comment": "refunds to finance", "days": "30",
        "base_version": "1"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/admin/routing")
    row = routing_rules.version(2)
    assert (row.comment, row.created_by) == ("refunds to finance", "admin@demo.test")
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.target_label, event.actor_label) == ("routing.saved", "v2", "admin@demo.test")
    after = text_of(admin.get("/admin/routing"))
    assert "saved as v2" in after and "New tickets are routed by <strong>v2</strong>" in after
    assert "refunds to finance" in after


def test_a_ticket_after_a_save_is_routed_and_explained_by_the_new_version(admin, seller, now):
    link = seller.link_path()
    seller.submit(link, category="other", description="Khi nào hoàn tiền?")
    assert editor_post(admin, "/admin/routing/confirm", V1, base_version="0").status_code == 303
    seller.submit(link, category="other", description="Khi nào hoàn tiền?")
    assert editor_post(admin, "/admin/routing/confirm", V2, base_version="1").status_code == 303
    seller.submit(link, category="other", description="Khi nào hoàn tiền?")
    rows = db.session.execute(select(Ticket.routing_rule_version, Ticket.routing_explanation)
                              .order_by(Ticket.id)).all()
    shipped = routing.load_rules().version
    assert [version for version, _ in rows] == [shipped, "v1", "v2"]
    assert rows[1][1] == "returns: rule refunds matched 'hoàn tiền' (rules v1)"
    assert rows[2][1] == "finance: rule refunds matched 'hoàn tiền' (rules v2)"
    # the seller API routes by the same active version
    token = links.link_token(sellers.by_code("DEMO-002"), admin.application.config["SECRET_KEY"])
    answer = admin.post("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"},
                        json={"category": "other", "tracking_numbers": [], "description": "hoàn tiền giúp shop"})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["department"] == "finance"
    assert answer.get_json()["routing_explanation"].endswith("(rules v2)")


def test_a_confirm_from_an_older_version_is_refused_and_keeps_the_edit(admin, now):
    routing_rules.save_version(copy.deepcopy(V1), "", now=now, actor_label="test")
    stale = editor_post(admin, "/admin/routing/confirm", V2, base_version="0")
    body = text_of(stale)
    assert stale.status_code == 409 and "The active rules are v1 now" in body
    assert '"id": "pickup"' in body  # the edit is still in the editor, now based on v1
    assert BASE_VERSION.findall(stale.get_data(as_text=True)) == ["1"]
    assert count(RoutingRuleSet) == 1


def test_versions_can_be_viewed_and_restored(admin, now):
    for data, comment in ((V1, "one"), (V2, "two")):
        assert editor_post(admin, "/admin/routing/confirm", data, comment=comment).status_code == 303
    listing = text_of(admin.get("/admin/routing"))
    assert "v1" in listing and "v2" in listing and "one" in listing and "admin@demo.test" in listing
    view = admin.get("/admin/routing/versions/1")
    body = text_of(view)
    assert view.status_code == 200 and "Routing rules v1" in body and "“one”" in body
    assert 'Rule <code translate="no">pickup</code>' in body  # compared with the active v2
    assert admin.get("/admin/routing/versions/9").status_code == 404
    token = csrf_from(view.get_data(as_text=True))
    restored = admin.post("/admin/routing/versions/1/restore", data={"csrf_token": token})
    assert restored.status_code == 303
    row = routing_rules.version(3)
    assert row.comment == "restore of v1"
    assert routing_rules.ruleset_of(row).rules == routing_rules.ruleset_of(routing_rules.version(1)).rules
    assert routing_rules.active_ruleset().version == "v3"
    assert "restored as v3" in text_of(admin.get("/admin/routing"))
    assert admin.post("/admin/routing/versions/9/restore", data={"csrf_token": token}).status_code == 404
    start = text_of(admin.get("/admin/routing?from=2"))
    assert '"id": "pickup"' in start  # the editor can start from an older version


def test_managers_look_but_cannot_preview_save_or_restore(client, demo, auth, now):
    routing_rules.save_version(copy.deepcopy(V1), "", now=now, actor_label="test")
    auth.login("manager@demo.test")
    page = client.get("/admin/routing")
    body = text_of(page)
    assert page.status_code == 200 and "only administrators can change the rules" in body
    assert "Preview the change" not in body and '"id": "refunds"' in body
    assert client.get("/admin/routing/versions/1").status_code == 200
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "rules_json": json.dumps(V2), "days": "30", "comment": ""}
    for path in ("/admin/routing", "/admin/routing/confirm", "/admin/routing/versions/1/restore"):
        assert client.post(path, data=data).status_code == 403, path
    assert count(RoutingRuleSet) == 1


def test_agents_are_refused(client, demo, auth):
    auth.login()
    assert client.get("/admin/routing").status_code == 403
    assert client.get("/admin/routing/versions/1").status_code == 403


def test_the_pages_are_fit_for_a_phone_and_the_csp(admin, now):
    routing_rules.save_version(copy.deepcopy(V1), "", now=now, actor_label="test")
    factories.ticket(now, category="other", description="hoàn tiền")
    pages = [admin.get("/admin/routing"), admin.get("/admin/routing/versions/1"),
             editor_post(admin, "/admin/routing", V2)]
    for response in pages:
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'name="viewport"' in body
        assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", body)
        assert "Content-Security-Policy" in response.headers
        # wide tables and the JSON scroll sideways instead of widening the page
        assert body.count("<table") == len(re.findall(r'<div class="table-scroll">\s*<table', body))
        assert body.count("<pre>") == len(re.findall(r'<div class="table-scroll"><pre>', body))
    assert pages[0].get_data(as_text=True).count("<table") == 3  # rules, priority rules, versions
