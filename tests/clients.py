"""Browsers for the test client: Flask's client with a fresh `g` per request, the CSRF token of a
page, and a seller and a staff member acting as they would in a browser. conftest.py builds its
`client`, `seller` and `auth` fixtures from these; tests that need a second browser make one here."""
from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


class FreshGClient(FlaskClient):
    """Tests hold an app context open, which requests would share; production gives each
    request its own `g`, so clear it (cached CSRF token, logged-in user) before every request."""

    def open(self, *args, **kwargs):
        from flask import g

        g.__dict__.clear()
        return super().open(*args, **kwargs)


class SellerActions:
    """Drive a seller's link as a browser would."""

    def __init__(self, client, app):
        self.client, self.app = client, app

    def link_path(self, code: str = "DEMO-001") -> str:
        from portal.services import links, sellers

        seller = sellers.by_code(code)
        return f"/s/{links.link_token(seller, self.app.config['SECRET_KEY'])}"

    def form(self, path: str) -> dict:
        html = self.client.get(path).get_data(as_text=True)
        key = re.search(r'name="submission_key"[^>]*value="([^"]*)"', html)
        return {"csrf_token": csrf_from(html), "submission_key": key.group(1) if key else ""}

    def submit(self, path: str, **fields):
        return self.post_form(path, self.form(path), **fields)

    def post_form(self, path: str, form: dict, **fields):
        """Submit a form loaded before (`form`): a valid ticket unless `fields` say otherwise."""
        data = {**form, "category": "delivery_delay", "tracking_numbers": "NVDEMO00001",
                "description": "Đơn hàng chưa được lấy hàng từ hôm qua.", **fields}
        return self.client.post(f"{path}/tickets", data=data, content_type="multipart/form-data")


def seller_browser(app, lang: str | None = None) -> SellerActions:
    """A seller's own browser: a client of its own, with a language cookie only if `lang` is given
    (without one, a seller's pages speak the seller's language)."""
    app.test_client_class = FreshGClient
    client = app.test_client()
    if lang:
        client.set_cookie("lang", lang)
    return SellerActions(client, app)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str = "agent1.delivery@demo.test", password: str = "demo-password-2026"):
        html = self.client.get("/login").get_data(as_text=True)
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(html)})

    def post(self, path: str, page: str, **data):
        html = self.client.get(page).get_data(as_text=True)
        return self.client.post(path, data={"csrf_token": csrf_from(html), **data})
