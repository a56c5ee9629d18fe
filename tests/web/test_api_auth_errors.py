"""Every operation of /api/v1 that needs a token answers as RFC 6750 asks: no bearer token, 401 with a
`Bearer` challenge and no error code; a token that is not valid (malformed, tampered, signed with
another key, unknown, of a deleted seller; for staff also revoked or of a deactivated holder), 401
with `error="invalid_token"`; a seller link the seller's revocation replaced, 410. Each with the
API's JSON error body, and nothing stored."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Seller, Ticket, User
from portal.services import api_tokens, integration_tokens, links, sellers, staff

API = "/api/v1"
CARRIER = f"{API}/shipments/events"  # the carrier's feed: an integration token
INVALID = 'error="invalid_token"'
BODY = {"category": "delivery_delay", "tracking_numbers": ["NV12345678"], "description": "Đơn hàng bị chậm.",
        "body": "Xin chào", "score": 5, "assignee": "", "department": "finance", "reason": "x", "status": "open",
        "priority": "high"}


def operations(client) -> list[tuple[str, str]]:
    """(method, path) of every operation the OpenAPI document lists, but the document itself, with a
    value for every path parameter."""
    document = client.get(f"{API}/openapi.json").get_json()
    found = []
    for path, item in document["paths"].items():
        if path.endswith("openapi.json"):
            continue
        concrete = path.replace("{reference}", "T-2611-0001").replace("{attachment_id}", "1")
        found += [(method, concrete) for method in item]
    return found


def call(client, method: str, path: str, header: str | None):
    headers = {"Authorization": header} if header is not None else {}
    if method == "get":
        return client.get(path, headers=headers)
    return client.open(path, method=method.upper(), json=BODY, headers=headers)


def assert_refused(response, status: int, challenge_error: bool | None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"]["status"] == status
    assert response.get_json()["error"]["message"]
    challenge = response.headers.get("WWW-Authenticate")
    if challenge_error is None:
        assert challenge is None
        return
    assert challenge.startswith('Bearer realm="')
    assert (INVALID in challenge) is challenge_error, challenge


def ticket_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"])
def test_no_bearer_token_is_a_401_challenge_without_an_error_code(client, demo, header):
    for method, path in operations(client):
        assert_refused(call(client, method, path, header), 401, False)
    assert ticket_count() == 0


def seller_tokens(app) -> dict[str, str]:
    key = app.config["SECRET_KEY"]
    good = links.link_token(sellers.by_code("DEMO-001"), key)
    gone = db.session.execute(select(Seller).where(Seller.code == "DEMO-003")).scalar_one()
    gone_token = links.link_token(gone, key)
    db.session.execute(delete(Seller).where(Seller.id == gone.id))
    db.session.commit()
    return {"tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
            "another key": links._serializer("another-secret").dumps([sellers.by_code("DEMO-001").id, 1]),
            "unknown seller": links._serializer(key).dumps([987654, 1]),
            "deleted seller": gone_token, "not a token": "not-a-token", "with a space": "abc def",
            "a staff token": "pst_" + "A" * 43}


def test_a_seller_token_that_is_not_valid_is_401_invalid_token(client, app, demo):
    tokens = seller_tokens(app)
    for method, path in operations(client):
        if path.startswith(f"{API}/staff/") or path == CARRIER:
            continue
        for name, token in tokens.items():
            response = call(client, method, path, f"Bearer {token}")
            assert_refused(response, 401, True)
            assert response.headers["WWW-Authenticate"] == f'Bearer realm="seller-api", {INVALID}', name
    assert ticket_count() == 0


def test_a_revoked_seller_link_is_410(client, app, demo, now):
    old = links.link_token(sellers.by_code("DEMO-001"), app.config["SECRET_KEY"])
    sellers.revoke_links(sellers.by_code("DEMO-001"), now=now)
    for method, path in operations(client):
        if not path.startswith(f"{API}/staff/") and path != CARRIER:
            response = call(client, method, path, f"Bearer {old}")
            assert_refused(response, 410, None)
            assert "new link" in response.get_json()["error"]["message"]
    assert ticket_count() == 0


def test_a_staff_token_that_is_not_or_no_longer_valid_is_401_invalid_token(client, app, demo, now):
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    good, _row = api_tokens.issue(agent, "sync", actor="test", now=now)
    revoked, row = api_tokens.issue(agent, "old sync", actor="test", now=now)
    api_tokens.revoke(row.id, actor="test", now=now)
    lead = db.session.scalar(select(User).where(User.email == "lead.delivery@demo.test"))
    deactivated, _row = api_tokens.issue(lead, "lead sync", actor="test", now=now)
    staff.set_active(lead.id, False, actor="test", now=now + dt.timedelta(seconds=1))
    seller_token = links.link_token(sellers.by_code("DEMO-001"), app.config["SECRET_KEY"])
    bad = {"unknown": "pst_" + "A" * 43, "tampered": good[:-1] + ("A" if not good.endswith("A") else "B"),
           "revoked": revoked, "deactivated holder": deactivated, "a seller token": seller_token,
           "too long": "pst_" + "x" * 300}
    for method, path in operations(client):
        if path.startswith(f"{API}/staff/"):
            for name, token in bad.items():
                response = call(client, method, path, f"Bearer {token}")
                assert_refused(response, 401, True)
                assert response.headers["WWW-Authenticate"] == f'Bearer realm="staff-api", {INVALID}', name
    assert client.get(f"{API}/staff/tickets", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_an_integration_token_that_is_not_or_no_longer_valid_is_401_invalid_token(client, app, demo, now):
    good, _row = integration_tokens.issue("Carrier feed", actor="test", now=now)
    revoked, row = integration_tokens.issue("old feed", actor="test", now=now)
    integration_tokens.revoke(row.id, actor="test", now=now)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_token, _row = api_tokens.issue(agent, "sync", actor="test", now=now)
    bad = {"unknown": "pit_" + "A" * 43, "tampered": good[:-1] + ("A" if not good.endswith("A") else "B"),
           "revoked": revoked, "a staff token": staff_token, "too long": "pit_" + "x" * 300,
           "a seller token": links.link_token(sellers.by_code("DEMO-001"), app.config["SECRET_KEY"])}
    for name, token in bad.items():
        response = client.post(CARRIER, json={"events": []}, headers={"Authorization": f"Bearer {token}"})
        assert_refused(response, 401, True)
        assert response.headers["WWW-Authenticate"] == f'Bearer realm="carrier-api", {INVALID}', name
    assert client.post(CARRIER, json={"events": []}, headers={"Authorization": f"Bearer {good}"}).status_code == 202
