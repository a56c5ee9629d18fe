"""Staff sessions end when they should: a cookie copied before logout, a password change or reset,
a deactivation or a role change opens nothing afterwards; idle and absolute lifetimes hold."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import StaffSession, User
from tests.clients import AuthActions, FreshGClient

PASSWORD = "demo-password-2026"
AGENT = "agent1.delivery@demo.test"


def browser(app) -> tuple:
    app.test_client_class = FreshGClient
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client, AuthActions(client)


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief, _ = browser(app)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def opens_inbox(client) -> bool:
    response = client.get("/inbox")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def agent(app, demo):
    client, auth = browser(app)
    assert auth.login(AGENT, PASSWORD).status_code == 303
    assert opens_inbox(client)
    return client, auth


@pytest.fixture
def admin(app, demo):
    client, auth = browser(app)
    assert auth.login("admin@demo.test", PASSWORD).status_code == 303
    return client, auth


def test_logout_ends_the_session_for_good(app, agent):
    client, auth = agent
    copy = copy_of(app, client)
    assert opens_inbox(copy)
    assert auth.post("/logout", "/inbox").status_code == 303
    assert not opens_inbox(copy) and not opens_inbox(client)
    row = db.session.scalar(select(StaffSession).where(StaffSession.user_id == user(AGENT).id))
    assert row.end_reason == "logout" and row.ended_at is not None


def test_sessions_are_independent_per_login(app, agent, demo):
    client, _ = agent
    other, other_auth = browser(app)
    assert other_auth.login(AGENT, PASSWORD).status_code == 303
    assert other_auth.post("/logout", "/inbox").status_code == 303
    assert opens_inbox(client)  # logging out on one device leaves the others


def test_the_cookie_holds_no_user_id_and_the_database_no_key(app, agent):
    client, _ = agent
    from flask import json
    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(app.secret_key, salt="cookie-session", signer_kwargs={
        "key_derivation": "hmac", "digest_method": __import__("hashlib").sha1}, serializer=json)
    data = serializer.loads(client.get_cookie("session").value)
    key = data["_user_id"]
    assert key != str(user(AGENT).id) and len(key) >= 40
    stored = db.session.scalar(select(StaffSession.key_hash))
    assert key not in stored and len(stored) == 64


def test_a_password_reset_by_an_admin_ends_every_session_of_that_user(app, agent, admin):
    client, _ = agent
    copy = copy_of(app, client)
    admin_client, admin_auth = admin
    target = user(AGENT)
    page = f"/admin/staff/{target.id}"
    assert admin_auth.post(f"{page}/password", page, password="a-brand-new-password").status_code == 303
    assert not opens_inbox(client) and not opens_inbox(copy)
    assert opens_inbox(admin_client)


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, admin):
    admin_client, admin_auth = admin
    elsewhere, elsewhere_auth = browser(app)
    assert elsewhere_auth.login("admin@demo.test", PASSWORD).status_code == 303
    me = user("admin@demo.test")
    page = f"/admin/staff/{me.id}"
    assert admin_auth.post(f"{page}/password", page, password="my-own-new-password").status_code == 303
    assert opens_inbox(admin_client) and not opens_inbox(elsewhere)


def test_the_cli_password_command_ends_sessions(app, agent, runner):
    client, _ = agent
    result = runner.invoke(args=["users", "password", "--email", AGENT.upper(), "--password-stdin"],
                           input="cli-chosen-password\n")
    assert result.exit_code == 0, result.output
    assert "password changed for agent1.delivery@demo.test" in result.output
    assert not opens_inbox(client)
    again, auth = browser(app)
    assert auth.login(AGENT, PASSWORD).status_code == 401
    assert auth.login(AGENT, "cli-chosen-password").status_code == 303


@pytest.mark.parametrize("args, message", [
    (["--email", "nobody@demo.test"], "No staff member"),
    (["--email", AGENT], "at least 10 characters"),
])
def test_the_cli_password_command_refuses_clearly(app, demo, runner, args, message):
    result = runner.invoke(args=["users", "password", *args, "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and message in result.output


def test_deactivation_ends_sessions_and_reactivation_revives_none(app, agent, admin):
    client, _ = agent
    admin_client, admin_auth = admin
    target = user(AGENT)
    page = f"/admin/staff/{target.id}"
    assert admin_auth.post(f"{page}/deactivate", page).status_code == 303
    assert not opens_inbox(client)
    assert admin_auth.post(f"{page}/reactivate", page).status_code == 303
    assert user(AGENT).active and not opens_inbox(client)


def test_a_role_change_ends_sessions_but_a_name_change_does_not(app, agent, admin):
    client, _ = agent
    _admin_client, admin_auth = admin
    target = user(AGENT)
    page = f"/admin/staff/{target.id}"
    same_role = {"name": "Agent One", "role": "agent", "departments": ["delivery"]}
    assert admin_auth.post(page, page, **same_role).status_code == 303
    assert opens_inbox(client)
    assert admin_auth.post(page, page, **{**same_role, "role": "lead"}).status_code == 303
    assert not opens_inbox(client)


def test_an_idle_session_ends(app, agent):
    client, _ = agent
    with client.session_transaction() as session:
        session["seen"] -= int(app.config["SESSION_IDLE_MINUTES"] * 60) - 5
    assert opens_inbox(client)  # just inside the idle time: and the visit refreshes it
    with client.session_transaction() as session:
        assert session["seen"] >= dt.datetime.now(dt.UTC).timestamp() - 5
        session["seen"] -= int(app.config["SESSION_IDLE_MINUTES"] * 60) + 5
    assert not opens_inbox(client)


def test_a_session_ends_after_its_absolute_lifetime_however_busy(app, agent):
    client, _ = agent
    lifetime = dt.timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    started = dt.datetime.now(dt.UTC) - lifetime + dt.timedelta(minutes=1)
    db.session.execute(update(StaffSession).values(created_at=started))
    db.session.commit()
    assert opens_inbox(client)
    db.session.execute(update(StaffSession).values(created_at=started - dt.timedelta(minutes=2)))
    db.session.commit()
    assert not opens_inbox(client)


def test_a_forged_or_foreign_user_id_opens_nothing(app, demo):
    client, _ = browser(app)
    with client.session_transaction() as session:
        session["_user_id"] = str(user("admin@demo.test").id)  # what the cookie held before
        session["seen"] = int(dt.datetime.now(dt.UTC).timestamp())
    assert client.get("/admin/staff").status_code == 302


def test_old_rows_of_a_user_are_removed_at_the_next_login(app, demo):
    client, auth = browser(app)
    for _ in range(3):
        assert auth.login(AGENT, PASSWORD).status_code == 303
        assert auth.post("/logout", "/inbox").status_code == 303
    assert auth.login(AGENT, PASSWORD).status_code == 303
    rows = db.session.scalars(select(StaffSession).where(StaffSession.user_id == user(AGENT).id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None
