"""Failed logins are limited per client address (the one the trusted proxies report, never a header
anybody may send) and, more gently, per account, so that no single client can lock another person
out; successful logins cost nothing."""
from __future__ import annotations

import pytest

from portal import config as portal_config
from portal import create_app
from portal.extensions import limiter
from tests.clients import AuthActions, FreshGClient

AGENT = "agent1.delivery@demo.test"
PASSWORD = "demo-password-2026"


def browser(app, address: str, forwarded_for: str | None = None) -> AuthActions:
    app.test_client_class = FreshGClient
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                       for k, v in headers.items()})
    return AuthActions(client)


@pytest.fixture
def limits(app, demo):
    limiter.reset()
    app.config.update(RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="5 per minute")
    return app


@pytest.fixture
def proxied(limits, database_url, tmp_path):
    """The same portal behind one trusted proxy (TRUSTED_PROXIES=1), on the same database."""
    config = portal_config.TestConfig(database_url, str(tmp_path / "uploads"))
    config.TRUSTED_PROXIES = 1
    config.RATELIMIT_LOGIN, config.RATELIMIT_LOGIN_ACCOUNT = "3 per minute", "5 per minute"
    app = create_app(config)

    with app.app_context():
        yield app


def test_successful_logins_do_not_count(limits):
    auth = browser(limits, "203.0.113.1")
    assert [auth.login(AGENT, PASSWORD).status_code for _ in range(8)] == [303] * 8


def test_failed_logins_are_limited_per_address(limits):
    attacker = browser(limits, "203.0.113.66")
    assert [attacker.login(AGENT, "wrong-password").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert attacker.login(AGENT, PASSWORD).status_code == 429  # no free guess after the budget
    colleague = browser(limits, "198.51.100.7")
    assert colleague.login(AGENT, PASSWORD).status_code == 303  # the account is not locked for others


def test_without_trusted_proxies_a_forwarded_header_buys_no_fresh_budget(limits):
    codes = [browser(limits, "203.0.113.66", forwarded_for=f"192.0.2.{n}").login(AGENT, "wrong").status_code
             for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(proxied):
    proxy = "10.0.0.2"  # every request reaches the app from the proxy's address
    one, two = browser(proxied, proxy, "203.0.113.66"), browser(proxied, proxy, "198.51.100.7")
    assert [one.login(AGENT, "wrong-password").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert two.login("agent2.delivery@demo.test", PASSWORD).status_code == 303
    spoofed = browser(proxied, proxy, "192.0.2.1, 203.0.113.66")  # only the proxy's own hop is believed
    assert spoofed.login(AGENT, "wrong-password").status_code == 429


def test_many_addresses_against_one_account_meet_the_account_limit(limits):
    codes = [browser(limits, f"203.0.113.{n}").login(AGENT.upper(), "wrong-password").status_code
             for n in range(1, 8)]
    assert codes == [401] * 5 + [429] * 2
    assert browser(limits, "198.51.100.9").login("agent2.delivery@demo.test", PASSWORD).status_code == 303


def test_one_address_cannot_reach_the_account_limit_by_itself(limits):
    attacker = browser(limits, "203.0.113.66")
    for _ in range(10):
        attacker.login(AGENT, "wrong-password")
    assert browser(limits, "198.51.100.7").login(AGENT, PASSWORD).status_code == 303
