"""Integration tokens for the carrier's feed: made by `integrations token --name` (the token on the
last line) or in /admin (shown once), stored as a SHA-256 only, listed with their last use,
revoked, and every change audited."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, IntegrationToken
from portal.services import integration_tokens
from portal.services.api_tokens import token_hash
from tests.clients import csrf_from

URL = "/api/v1/shipments/events"
EVENT = {"tracking_number": "NV10000001", "status": "in_transit", "event": "Đang trung chuyển",
         "occurred_at": "2026-11-23T09:30:00+07:00"}


def feed(client, raw: str):
    return client.post(URL, json={"events": [EVENT]}, headers={"Authorization": f"Bearer {raw}"})


def audit_actions() -> list[tuple[str, str]]:
    return list(db.session.execute(select(AuditEvent.action, AuditEvent.actor_label)
                                   .where(AuditEvent.target_kind == "integration_token").order_by(AuditEvent.id)))


def test_the_cli_prints_the_token_last_and_it_works(app, runner, client):
    result = runner.invoke(args=["integrations", "token", "--name", "Carrier feed"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    row = db.session.scalar(select(IntegrationToken))
    assert raw.startswith("pit_") and raw.startswith(row.prefix) and row.token_hash == token_hash(raw)
    assert raw not in (row.prefix, row.token_hash) and row.name == "Carrier feed" and row.created_by == "cli"
    assert feed(client, raw).status_code == 202
    listing = runner.invoke(args=["integrations", "list"]).output
    assert row.prefix in listing and "active" in listing and raw not in listing and "never" not in listing
    revoked = runner.invoke(args=["integrations", "revoke", str(row.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert feed(client, raw).status_code == 401
    again = runner.invoke(args=["integrations", "revoke", str(row.id)])
    assert again.exit_code != 0 and "already revoked" in again.output
    assert audit_actions() == [("integration_token.issued", "cli"), ("integration_token.revoked", "cli")]
    assert not any(raw in (e.after_json or "") or row.token_hash in (e.after_json or "")
                   for e in db.session.scalars(select(AuditEvent)))


def test_the_cli_refuses_an_empty_name(app, runner):
    result = runner.invoke(args=["integrations", "token", "--name", "  "])
    assert result.exit_code != 0 and "Say what the token is for" in result.output
    assert db.session.scalar(select(IntegrationToken)) is None


def test_an_admin_makes_a_token_shown_once(client, auth, demo):
    auth.login("admin@demo.test")
    index = client.get("/admin/").get_data(as_text=True)
    assert "/admin/integration-tokens" in index
    page = client.get("/admin/integration-tokens")
    assert page.status_code == 200 and "No integration tokens yet." in page.get_data(as_text=True)
    empty = client.post("/admin/integration-tokens", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                           "name": ""})
    assert empty.status_code == 422 and db.session.scalar(select(IntegrationToken)) is None
    response = client.post("/admin/integration-tokens", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Carrier feed"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    shown = response.get_data(as_text=True).split('<code class="secret">')[1].split("</code>")[0]
    row = db.session.scalar(select(IntegrationToken))
    assert row.token_hash == token_hash(shown) and row.created_by == "admin@demo.test"
    assert feed(client, shown).status_code == 202
    listing = client.get("/admin/integration-tokens").get_data(as_text=True)
    assert row.prefix in listing and shown not in listing and "Carrier feed" in listing
    db.session.expire_all()
    assert db.session.get(IntegrationToken, row.id).last_used_at is not None
    assert audit_actions() == [("integration_token.issued", "admin@demo.test")]


def test_an_admin_revokes_a_token_and_a_manager_only_looks(client, auth, demo, now):
    raw, row = integration_tokens.issue("Carrier feed", actor="test", now=now)
    auth.login("manager@demo.test")
    assert "Carrier feed" in client.get("/admin/integration-tokens").get_data(as_text=True)
    refused = auth.post(f"/admin/integration-tokens/{row.id}/revoke", "/admin/integration-tokens")
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/inbox").get_data(as_text=True))})
    auth.login("admin@demo.test")
    response = auth.post(f"/admin/integration-tokens/{row.id}/revoke", "/admin/integration-tokens")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(IntegrationToken, row.id).revoked_at is not None
    assert feed(client, raw).status_code == 401
    again = auth.post(f"/admin/integration-tokens/{row.id}/revoke", "/admin/integration-tokens")
    assert again.status_code == 409 and "already revoked" in again.get_data(as_text=True)
    assert auth.post("/admin/integration-tokens/999999/revoke", "/admin/integration-tokens").status_code == 404
    assert audit_actions() == [("integration_token.issued", "test"), ("integration_token.revoked", "admin@demo.test")]
