"""Staff API tokens: issued once, stored as a hash, revocable, audited without the secret; and the
`flask users token` / `users revoke-token` commands."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ApiToken, AuditEvent, User
from portal.services import api_tokens, staff
from portal.services.errors import Conflict, InvalidInput, NotFound


def user(email: str = "agent1.delivery@demo.test") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def fresh(row: ApiToken) -> ApiToken:
    db.session.expire_all()
    return db.session.get(ApiToken, row.id)


def test_a_token_is_shown_once_and_only_its_hash_is_kept(demo, now):
    raw, row = api_tokens.issue(user(), "  ERP sync  ", actor=user("admin@demo.test"), now=now)
    assert raw.startswith("pst_") and len(raw) >= 40
    row = fresh(row)
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest() and len(row.token_hash) == 64
    assert row.prefix == raw[:12] and row.name == "ERP sync" and row.created_by == "admin@demo.test"
    assert row.created_at == now and row.last_used_at is None and row.revoked_at is None
    stored = " ".join(str(getattr(row, column.key)) for column in ApiToken.__table__.columns)
    assert raw not in stored and raw[12:] not in stored
    other, _ = api_tokens.issue(user(), "ERP sync", actor="cli", now=now)
    assert other != raw  # same person, same name: still a different token


def test_issue_and_revoke_are_audited_without_the_secret(demo, now):
    raw, row = api_tokens.issue(user(), "ERP sync", actor=user("admin@demo.test"), now=now)
    api_tokens.revoke(row.id, actor="cli", now=now + dt.timedelta(hours=1))
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.target_kind == "api_token")
                                     .order_by(AuditEvent.id)))
    assert [(e.action, e.actor_label, e.target_label) for e in events] == [
        ("api_token.issued", "admin@demo.test", "agent1.delivery@demo.test: ERP sync"),
        ("api_token.revoked", "cli", "agent1.delivery@demo.test: ERP sync")]
    assert events[0].before is None and events[0].after["prefix"] == raw[:12]
    assert events[1].before["revoked"] is False and events[1].after["revoked"] is True
    for event in events:
        text = json.dumps([event.before, event.after, event.target_label])
        assert raw not in text and raw[12:] not in text and fresh(row).token_hash not in text


@pytest.mark.parametrize(("name", "field"), [("", "name"), ("   ", "name"), ("x" * 121, "name")])
def test_a_token_needs_a_name(demo, now, name, field):
    with pytest.raises(InvalidInput) as refused:
        api_tokens.issue(user(), name, actor="cli", now=now)
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_deactivated_staff_get_no_token(demo, now):
    staff.set_active(user().id, False, actor="cli", now=now)
    with pytest.raises(InvalidInput):
        api_tokens.issue(user(), "ERP", actor="cli", now=now)


def test_authenticate_accepts_only_live_tokens_of_active_staff(demo, now):
    raw, row = api_tokens.issue(user(), "ERP", actor="cli", now=now)
    assert api_tokens.authenticate(raw, now=now).user.email == "agent1.delivery@demo.test"
    for bad in ("", "pst_", raw + "x", raw[:-1], raw.replace("pst_", "pat_"), "pst_" + "a" * 500):
        assert api_tokens.authenticate(bad, now=now) is None
    staff.set_active(user().id, False, actor="cli", now=now)
    assert api_tokens.authenticate(raw, now=now) is None
    staff.set_active(user().id, True, actor="cli", now=now)
    assert api_tokens.authenticate(raw, now=now) is not None
    api_tokens.revoke(row.id, actor="cli", now=now)
    assert api_tokens.authenticate(raw, now=now) is None


def test_last_use_is_written_at_most_once_a_minute(demo, now):
    raw, row = api_tokens.issue(user(), "ERP", actor="cli", now=now)
    api_tokens.authenticate(raw, now=now)
    assert fresh(row).last_used_at == now
    api_tokens.authenticate(raw, now=now + dt.timedelta(seconds=59))
    assert fresh(row).last_used_at == now
    later = now + dt.timedelta(seconds=61)
    api_tokens.authenticate(raw, now=later)
    assert fresh(row).last_used_at == later


def test_revoking_twice_or_an_unknown_token_is_refused(demo, now):
    _raw, row = api_tokens.issue(user(), "ERP", actor="cli", now=now)
    api_tokens.revoke(row.id, actor="cli", now=now)
    with pytest.raises(Conflict):
        api_tokens.revoke(row.id, actor="cli", now=now + dt.timedelta(minutes=1))
    assert fresh(row).revoked_at == now
    with pytest.raises(NotFound):
        api_tokens.revoke(987654, actor="cli", now=now)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "api_token.revoked")) == 1


def test_the_list_puts_live_tokens_first(demo, now):
    _, old = api_tokens.issue(user(), "old", actor="cli", now=now)
    _, live = api_tokens.issue(user(), "live", actor="cli", now=now)
    api_tokens.revoke(old.id, actor="cli", now=now)
    _, newest = api_tokens.issue(user("lead.finance@demo.test"), "newest", actor="cli", now=now)
    assert [t.name for t in api_tokens.tokens()] == ["newest", "live", "old"]


# --- the CLI --------------------------------------------------------------------------------------

def test_cli_issues_a_token_printed_as_the_last_line(demo, runner, now):
    result = runner.invoke(args=["users", "token", "--email", "Agent1.Delivery@demo.test", "--name", "ERP sync"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    token = api_tokens.authenticate(raw, now=now)
    assert token is not None and token.user.email == "agent1.delivery@demo.test" and token.name == "ERP sync"
    assert token.created_by == "cli"
    assert db.session.scalar(select(AuditEvent.actor_label).where(AuditEvent.action == "api_token.issued")) == "cli"


def test_cli_revokes_a_token_by_id(demo, runner, now):
    raw, row = api_tokens.issue(user(), "ERP", actor="cli", now=now)
    result = runner.invoke(args=["users", "revoke-token", str(row.id)])
    assert result.exit_code == 0, result.output
    assert row.prefix in result.output and raw not in result.output
    assert api_tokens.authenticate(raw, now=now) is None
    again = runner.invoke(args=["users", "revoke-token", str(row.id)])
    assert again.exit_code != 0 and "already revoked" in again.output


@pytest.mark.parametrize("args", [["users", "token", "--email", "ghost@demo.test", "--name", "x"],
                                  ["users", "token", "--email", "agent1.delivery@demo.test", "--name", " "],
                                  ["users", "revoke-token", "424242"], ["users", "revoke-token", "abc"],
                                  ["users", "revoke-token", "99999999999"]])
def test_cli_refusals_are_clear_and_change_nothing(demo, runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "Error" in result.output and "Traceback" not in result.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0
