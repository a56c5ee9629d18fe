"""/admin/routing's form editor: rows that write the same JSON as the expert editor, kept rules it cannot
show, messages beside the fields, rows added, removed and moved without JavaScript, saved and audited."""
from __future__ import annotations

import copy
import html
import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.models import AuditEvent
from portal.services import routing_rules
from tests.clients import csrf_from

HIDDEN_RULES = re.compile(r'<input type="hidden" name="rules_json" value="([^"]*)"')
FORM_ACTION = "/admin/routing/form"


class _FormFields(HTMLParser):
    """What a browser would send from the form posting to FORM_ACTION: text, hidden, ticked, selected."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.fields, self.select, self.textarea = False, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == FORM_ACTION
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs["value"]))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None


def form_fields(page: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(page)
    assert parser.fields, "no form editor on the page"
    return parser.fields


def post_form(client, page: str, action: str = "preview", **changes):
    fields = [(name, value) for name, value in form_fields(page) if name not in changes]
    fields += [(name, value) for name, values in changes.items()
               for value in (values if isinstance(values, list) else [values])]
    return client.post(FORM_ACTION, data=MultiDict([*fields, ("action", action)]))


def act(client, page: str, action: str):
    """Press a row's button (add, remove-N, up-N, down-N) on ``page``."""
    return client.post(FORM_ACTION, data=MultiDict([*form_fields(page), ("action", action)]))


def previewed_rules(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return json.loads(html.unescape(HIDDEN_RULES.search(response.get_data(as_text=True)).group(1)))


def rule_ids(page: str) -> list[str]:
    return re.findall(r'name="rows-rules-\d+-id"[^>]*value="([^"]*)"', page)


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return client


def test_the_form_of_the_active_rules_writes_their_json_unchanged(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    assert 'action="/admin/routing/form"' in page and "<details" in page  # the JSON stays, for experts
    active = json.loads(routing_rules.to_json(routing_rules.active_ruleset()))
    assert previewed_rules(post_form(admin, page)) == active


def test_a_rule_filled_in_the_form_is_the_rule_written_by_hand(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    added = act(admin, page, "add").get_data(as_text=True)
    index = len(rule_ids(added)) - 1
    prefix = f"rows-rules-{index}-"
    response = post_form(admin, added, **{
        prefix + "id": "refund-words", prefix + "categories": ["finance", "other"],
        prefix + "keywords": "hoàn tiền\r\n  refund  \r\n\r\n", prefix + "department": "finance",
        prefix + "priority": "high", prefix + "description": "Refunds"})
    by_hand = json.loads("""{"id": "refund-words", "department": "finance", "priority": "high",
        "categories": ["finance", "other"], "keywords_any": ["hoàn tiền", "refund"], "description": "Refunds"}""")
    rules = previewed_rules(response)["rules"]
    assert rules[-1] == by_hand
    assert routing_rules.validate(previewed_rules(response)).rules[-1].keywords_any == ("hoàn tiền", "refund")


def test_keywords_show_the_form_they_also_match_without_diacritics(admin):
    body = html.unescape(admin.get("/admin/routing").get_data(as_text=True))
    assert "Also matches:" in body
    assert "<q>hoàn tiền</q> = <q lang=\"vi\">hoan tien</q>" in body
    assert "<q>refund</q> =" not in body  # nothing to say about a word without diacritics


def test_a_rule_the_form_cannot_show_is_kept_and_offered_as_json(admin, now):
    data = json.loads(routing_rules.to_json(routing_rules.file_ruleset()))
    special = {"id": "bulk", "department": "delivery", "min_tracking_numbers": 5, "keywords_any": ["gấp"]}
    data["rules"].insert(1, copy.deepcopy(special))
    routing_rules.save_version(data, "with a bulk rule", now=now, actor_label="test")
    data = json.loads(routing_rules.to_json(routing_rules.active_ruleset()))  # as saved: priority written out
    special = data["rules"][1]
    assert special["min_tracking_numbers"] == 5
    page = admin.get("/admin/routing").get_data(as_text=True)
    assert "edit it as JSON below. It is kept as it is." in page
    kept = previewed_rules(post_form(admin, page))
    assert kept["rules"][1] == special
    assert kept["rules"] == data["rules"] and kept["priority_rules"] == data["priority_rules"]
    # moving the rows around moves the kept rule too, whole
    moved = act(admin, page, "down-1").get_data(as_text=True)
    assert previewed_rules(post_form(admin, moved))["rules"][2] == special


def test_problems_are_shown_beside_the_fields_and_nothing_is_previewed(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    response = post_form(admin, page, **{"rows-rules-0-id": " ", "rows-rules-0-categories": [],
                                         "rows-rules-0-keywords": "", "rows-rules-1-id": "cod-remittance",
                                         "rows-rules-2-id": "cod-remittance"})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "see the messages beside the rules" in body
    assert re.search(r'id="rows-rules-0-id"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="rows-rules-0-id"', body)
    assert '<p class="error" id="rows-rules-0-id-error">Give the rule a name.</p>' in body
    assert 'id="rows-rules-0-keywords-error">Tick a category or write a keyword' in body
    assert 'id="rows-rules-2-id-error">Another rule has this name' in body
    assert HIDDEN_RULES.search(body) is None


def test_rows_are_added_removed_and_moved_by_posting_back(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    ids = rule_ids(page)
    added = act(admin, page, "add")
    assert added.status_code == 200
    assert rule_ids(added.get_data(as_text=True)) == [*ids, ""]
    removed = act(admin, page, "remove-0").get_data(as_text=True)
    assert rule_ids(removed) == ids[1:]
    moved = act(admin, page, "up-2").get_data(as_text=True)
    assert rule_ids(moved) == [ids[0], ids[2], ids[1], *ids[3:]]
    assert "Move rule 2 up" in moved and "Remove rule 1" in moved


def test_saving_from_the_form_is_versioned_and_audited_like_the_json(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    edited = act(admin, page, "remove-8").get_data(as_text=True)
    preview = post_form(admin, edited, **{"rows-comment": "no broad money words"})
    rules = previewed_rules(preview)
    assert "fees-and-cod" not in [rule["id"] for rule in rules["rules"]]
    confirm = preview.get_data(as_text=True)
    saved = admin.post("/admin/routing/confirm", data={
        "csrf_token": csrf_from(confirm), "rules_json": json.dumps(rules, ensure_ascii=False),
        "comment": "no broad money words", "days": "30", "base_version": "0"})
    assert saved.status_code == 303
    row = routing_rules.version(1)
    assert row.comment == "no broad money words"
    assert [rule.id for rule in routing_rules.active_ruleset().rules] == [rule["id"] for rule in rules["rules"]]
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.target_label) == ("routing.saved", "v1")


def test_managers_see_no_form_and_cannot_post_it(client, demo, auth):
    auth.login("manager@demo.test")
    page = client.get("/admin/routing").get_data(as_text=True)
    assert 'action="/admin/routing/form"' not in page
    response = client.post(FORM_ACTION, data={"csrf_token": csrf_from(page), "action": "add"})
    assert response.status_code == 403


def test_a_damaged_kept_rule_or_rest_is_refused_not_a_server_error(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    damaged = post_form(admin, page, **{"rows-rules-0-kept": "{not json"})
    assert damaged.status_code == 422 and "came back damaged" in damaged.get_data(as_text=True)
    not_an_object = post_form(admin, page, **{"rows-rest_json": "[1, 2]"})
    assert not_an_object.status_code == 422
