"""The access-rule table: every staff URL × every role × own/other department × seller link."""
import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Attachment
from tests import factories
from tests.clients import csrf_from
from tests.files import png

ROLES = {  # who: (email or None, sees delivery tickets, sees finance tickets, reports)
    "anonymous": (None, False, False, False),
    "agent-delivery": ("agent1.delivery@demo.test", True, False, False),
    "lead-delivery": ("lead.delivery@demo.test", True, False, False),
    "agent-finance": ("agent1.finance@demo.test", False, True, False),
    "manager": ("manager@demo.test", True, True, True),
    "admin": ("admin@demo.test", True, True, True),
}
GETS = ["/inbox", "/tickets/{own}", "/tickets/{other}", "/attachments/{own_file}", "/attachments/{own_file}/thumb",
        "/reports", "/reports/sla.csv", "/notifications"]
# transfer last: once moved, the ticket is (rightly) out of reach of its old department
POSTS = {"reply": {"body": "xin chào"}, "assign": {"assignee": ""}, "status": {"status": "open"},
         "priority": {"priority": "high"}, "merge": {"into": "T-0000-0000"}, "presence": {},
         "transfer": {"department": "apps", "reason": "thử"}}


@pytest.fixture
def world(client, demo, seller, now):
    path = seller.link_path()
    data = {**seller.form(path), "category": "delivery_delay", "tracking_numbers": "NV12345678",
            "description": "Ảnh chụp lỗi giao hàng", "attachments": [(io.BytesIO(png()), "a.png")]}
    response = client.post(f"{path}/tickets", data=data, content_type="multipart/form-data")
    own = response.headers["Location"].rsplit("/", 1)[-1]
    other = factories.ticket(now, seller="DEMO-002", category="finance", description="Chưa nhận tiền COD").reference
    own_file = db.session.scalar(select(Attachment.id))
    return {"own": own, "other": other, "own_file": own_file, "link": path}


def expected_get(role: str, url: str) -> int:
    email, delivery, finance, reports = ROLES[role]
    if email is None:
        return 302
    if url.startswith("/reports"):
        return 200 if reports else 403
    if "{own" in url:
        return 200 if delivery else 404
    if "{other}" in url:
        return 200 if finance else 404
    return 200


@pytest.mark.parametrize("role", ROLES)
def test_every_get_for_every_role(client, auth, world, role):
    email = ROLES[role][0]
    if email:
        assert auth.login(email).status_code == 303
    for url in GETS:
        response = client.get(url.format(**world))
        # closed here, not whenever it is collected: a streamed export left open keeps its producing
        # thread and its database connection busy into the next test
        response.close()
        assert response.status_code == expected_get(role, url), (role, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_ticket_action_for_every_role(client, auth, world, role):
    email, delivery, finance, _ = ROLES[role]
    if email:
        auth.login(email)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for which, allowed in (("own", delivery), ("other", finance)):
        for action, data in POSTS.items():
            response = client.post(f"/tickets/{world[which]}/{action}", data={"csrf_token": token, **data})
            if email is None:
                assert response.status_code == 302, (role, which, action)
            elif allowed:
                assert response.status_code != 404, (role, which, action)
            else:
                assert response.status_code == 404, (role, which, action)


def test_seller_link_never_shows_internal_notes_or_staff_pages(client, auth, world):
    auth.login()
    auth.post(f"/tickets/{world['own']}/reply", f"/tickets/{world['own']}", body="NỘI BỘ: đừng cho khách xem",
              internal="1")
    auth.post("/logout", "/inbox")
    page = client.get(f"{world['link']}/tickets/{world['own']}").get_data(as_text=True)
    assert "NỘI BỘ" not in page
    assert client.get(f"{world['link']}/tickets/{world['other']}").status_code == 404
    for url in ("/inbox", f"/tickets/{world['own']}", "/reports"):
        assert client.get(url).status_code == 302


def test_security_headers_on_every_page(client, world):
    for url in (world["link"], "/login", "/healthz"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Request-ID"]
    assert client.get(world["link"]).headers["Cache-Control"] == "private, no-store"


def test_production_refuses_the_default_secret_key(monkeypatch):
    from portal import create_app
    from portal.config import Config

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config())


def test_log_paths_hide_seller_tokens():
    from portal.observability import redact

    assert redact("/s/WzEsMV0.abc/tickets/T-2611-0001") == "/s/<token>/tickets/T-2611-0001"
    assert redact("/inbox") == "/inbox"


def test_refused_seller_links_still_get_a_request_id(client):
    response = client.get("/s/not-a-token")
    assert response.status_code == 404 and response.headers["X-Request-ID"]
