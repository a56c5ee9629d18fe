"""Every page a browser gets has one main heading, labelled table headers, and hints tied to their fields."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests import factories

SKIP_PREFIXES = ("/static", "/api/", "/metrics", "/healthz", "/readyz", "/favicon")


class _Page(HTMLParser):
    """Counts h1s, finds header cells without text, and hints (class "hint" with an id) with the ids they name."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.empty_th: list[int] = []
        self.th_text: list[str] | None = None
        self.hints: set[str] = set()
        self.described: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "th":
            self.th_text = []
            if attrs.get("aria-label"):
                self.th_text.append(attrs["aria-label"])
        if "hint" in (attrs.get("class") or "").split() and attrs.get("id"):
            self.hints.add(attrs["id"])
        self.described.update((attrs.get("aria-describedby") or "").split())

    def handle_data(self, data):
        if self.th_text is not None:
            self.th_text.append(data)

    def handle_endtag(self, tag):
        if tag == "th" and self.th_text is not None:
            if not "".join(self.th_text).strip():
                self.empty_th.append(self.getpos()[0])
            self.th_text = None


def parse(body: str) -> _Page:
    page = _Page()
    page.feed(body)
    return page


def get_urls(app, world: dict) -> list[str]:
    """Every GET page without parameters, and the admin and staff pages with a number filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP_PREFIXES) or rule.rule.endswith((".csv", ".xlsx",
                                                                                                   ".png", ".json")):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values[name] = world.get(name, 1)
            elif isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = world.get(name, "x")
        urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls))


@pytest.fixture
def world(demo, now):
    from portal.services import sellers

    ticket = factories.ticket(now, category="delivery_delay", description="Giao chậm")
    return {"reference": ticket.reference, "seller_id": sellers.by_code("DEMO-001").id, "code": "delivery",
            "number": 1}


@pytest.mark.parametrize("email", ["admin@demo.test", "manager@demo.test", "agent1.delivery@demo.test"])
def test_every_html_page_has_one_h1_and_no_unlabelled_table_header(client, auth, world, email):
    auth.login(email)
    checked = 0
    for url in get_urls(client.application, world):
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        page = parse(response.get_data(as_text=True))
        assert page.h1 == 1, (url, response.status_code, page.h1)
        assert not page.empty_th, (url, page.empty_th)
        checked += 1
    assert checked > 30


def test_the_seller_pages_and_the_login_have_an_h1(client, demo, seller):
    path = seller.link_path()
    for url in ("/login", path, f"{path}/tickets", "/no-such-page"):
        response = client.get(url)
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303):
            assert parse(response.get_data(as_text=True)).h1 == 1, url


def test_every_hint_is_tied_to_its_field(client, auth, world):
    auth.login("admin@demo.test")
    hints = 0
    for url in get_urls(client.application, world):
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        page = parse(response.get_data(as_text=True))
        assert page.hints <= page.described, (url, sorted(page.hints - page.described))
        hints += len(page.hints)
    assert hints > 10


def test_the_refused_report_page_has_its_h1(client, auth, demo):
    auth.login("manager@demo.test")
    response = client.get("/reports", query_string={"from": "2026-13-45"})
    assert response.status_code in (400, 422)
    assert parse(response.get_data(as_text=True)).h1 == 1


def test_a_field_with_an_error_names_its_hint_and_its_error(client, auth, demo):
    auth.login("admin@demo.test")
    from tests.clients import csrf_from

    token = csrf_from(client.get("/admin/routing").get_data(as_text=True))
    body = client.post("/admin/routing", data={"csrf_token": token, "rules_json": "", "days": "30"}).get_data(
        as_text=True)
    field = re.search(r"<textarea[^>]*id=\"rules_json\"[^>]*>", body).group(0)
    assert 'aria-describedby="rules_json-hint rules_json-error"' in field and 'aria-invalid="true"' in field
