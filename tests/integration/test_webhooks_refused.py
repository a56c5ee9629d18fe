"""Webhooks through the outbound guard, on the suite's real database: a URL that breaks a rule is not
added (service and CLI, with a message that says which rule), and one that breaks it at delivery
(added before the guard, or its name resolving elsewhere since) is recorded as refused with a short
reason and never retried, while other failures keep their retries."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.models import WebhookEndpoint
from portal.services import sla_jobs, webhook_delivery, webhooks
from portal.services.errors import InvalidInput
from tests import factories
from tests.outbound_helpers import PUBLIC_ADDRESS
from tests.webhook_receiver import MANAGERS_AFTER, SECRET, T0, HookServer, deliveries

HOURS = dt.timedelta(hours=1)


@pytest.fixture
def loopback():
    """A receiver on 127.0.0.1, with OUTBOUND_ALLOW_PRIVATE left as it is (off in the tests)."""
    with HookServer() as server:
        yield server


def stored_endpoint(url: str, events: str = "sla_breached") -> WebhookEndpoint:
    """An endpoint as an older release (or OUTBOUND_ALLOW_PRIVATE=1 at the time) stored it, unchecked."""
    endpoint = WebhookEndpoint(url=url, events=events, secret=SECRET, active=True, created_at=T0)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def breach_one_ticket() -> None:
    factories.ticket(T0 - 5 * HOURS)
    sla_jobs.sweep(T0, MANAGERS_AFTER)


ADD_REFUSALS = [
    ("http://127.0.0.1:8080/hooks", ["127.0.0.1 is a loopback address", "OUTBOUND_ALLOW_PRIVATE=1"]),
    ("http://localhost/hooks", ["localhost resolves to 127.0.0.1.", "127.0.0.1 is a loopback address"]),
    ("http://[::1]/hooks", ["::1 is a loopback address"]),
    ("http://10.0.0.5/hooks", ["10.0.0.5 is inside a private network."]),
    ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254 is a cloud metadata service."]),
    ("http://[fd00:ec2::254]/", ["fd00:ec2::254 is a cloud metadata service."]),
    ("http://100.100.100.200/", ["100.100.100.200 is a cloud metadata service."]),
    ("http://100.64.0.9/", ["carrier-grade NAT"]),
    ("http://[::ffff:192.168.0.1]/", ["::ffff:192.168.0.1 is inside a private network."]),
    ("http://0.0.0.0:5000/", ["0.0.0.0 is the unspecified address."]),
    ("http://224.0.0.251/", ["224.0.0.251 is a multicast address."]),
    ("http://internal.example.com/hooks",
     ["internal.example.com resolves to 10.0.0.5.", "10.0.0.5 is inside a private network."]),
    ("http://2130706433/", ["four decimal numbers", "2130706433 is another way of writing one"]),
    ("http://0x7f.1/", ["0x7f.1 is another way"]),
    ("https://user:secret@chat.example.com/hooks", ["Leave the user name and password out of the URL"]),
    ("https://nowhere.example.net/hooks", ["The host nowhere.example.net could not be found."]),
    ("gopher://chat.example.com/", ["http:// or https://"]),
]


@pytest.mark.parametrize("url, messages", ADD_REFUSALS)
def test_adding_a_url_the_guard_refuses_says_why_and_saves_nothing(app, demo, dns, url, messages):
    dns.names.update({"internal.example.com": "10.0.0.5", "localhost": "127.0.0.1"})
    with pytest.raises(InvalidInput) as refused:
        webhooks.add_endpoint(url, "sla_breached", None, now=T0)
    [message] = refused.value.fields["url"]
    for text in messages:
        assert text in message, message
    assert webhooks.endpoints() == []


def test_the_cli_refuses_too_and_allow_private_lets_a_loopback_url_in(app, demo, runner, loopback, monkeypatch):
    refused = runner.invoke(args=["webhooks", "add", "--url", loopback.url, "--events", "sla_breached"])
    assert refused.exit_code != 0 and "127.0.0.1 is a loopback address" in refused.output
    assert webhooks.endpoints() == []
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", True)
    added = runner.invoke(args=["webhooks", "add", "--url", loopback.url, "--events", "sla_breached"])
    assert added.exit_code == 0, added.output
    # ip spellings and credentials stay refused whatever OUTBOUND_ALLOW_PRIVATE says
    for url in ("http://2130706433/", "http://u:p@127.0.0.1/"):
        assert runner.invoke(args=["webhooks", "add", "--url", url, "--events", "sla_breached"]).exit_code != 0
    assert len(webhooks.endpoints()) == 1


def test_a_delivery_to_a_refused_address_is_recorded_refused_and_never_retried(app, demo, runner, loopback):
    stored_endpoint(loopback.url)
    breach_one_ticket()
    assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(0, 0, 0, 1)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("refused", 1, None,
                                                                                "address not allowed")
    assert loopback.received == []
    # not due again: not at the next pass, not days later, not from the CLI
    assert webhook_delivery.deliver_due(T0 + 48 * HOURS) == webhook_delivery.DeliveryPass(0, 0, 0, 0)
    line = runner.invoke(args=["webhooks", "deliver"]).output.strip().splitlines()[-1]
    assert line == "delivered=0 retrying=0 failed=0 refused=0"
    assert loopback.received == [] and deliveries()[0].attempts == 1


def test_a_name_that_resolves_elsewhere_after_it_was_added_is_checked_again(app, demo, dns):
    dns.names["hooks.example.org"] = PUBLIC_ADDRESS
    webhooks.add_endpoint("https://hooks.example.org/support", "sla_breached", SECRET, now=T0)
    dns.names["hooks.example.org"] = "169.254.169.254"  # the name now points at the metadata service
    breach_one_ticket()
    assert webhook_delivery.deliver_due(T0).refused == 1
    [row] = deliveries()
    assert (row.status, row.last_error) == ("refused", "address not allowed")
    assert dns.lookups == ["hooks.example.org", "hooks.example.org"]  # once when added, once when delivered


def test_refused_and_failing_deliveries_in_one_pass(app, demo, runner, hooks, monkeypatch):
    hooks.fail_first = 1
    webhooks.add_endpoint(hooks.url, "sla_breached", SECRET, now=T0)  # allowed: `hooks` sets OUTBOUND_ALLOW_PRIVATE
    stored_endpoint("http://user:pw@127.0.0.1:9/hooks")  # credentials: refused whatever the setting
    breach_one_ticket()
    assert runner.invoke(args=["webhooks", "deliver", "--now", T0.isoformat()]).output.strip().splitlines()[-1] \
        == "delivered=0 retrying=1 failed=0 refused=1"
    retrying, refused = deliveries()
    assert (retrying.status, retrying.last_status_code, retrying.last_error) == ("pending", 500, "HTTP 500")
    assert retrying.next_attempt_at == T0 + dt.timedelta(minutes=1)
    assert (refused.status, refused.last_error) == ("refused", "credentials in URL")
    assert webhook_delivery.deliver_due(T0 + dt.timedelta(minutes=1)) == webhook_delivery.DeliveryPass(1, 0, 0, 0)
    assert len(hooks.received) == 2


def test_a_redirect_is_a_failed_attempt_that_is_retried_and_never_followed(app, demo, hooks):
    with HookServer() as other:
        webhooks.add_endpoint(hooks.url, "sla_breached", SECRET, now=T0)
        hooks.redirect_to = other.url
        breach_one_ticket()
        assert webhook_delivery.deliver_due(T0) == webhook_delivery.DeliveryPass(0, 1, 0, 0)
        [row] = deliveries()
        assert (row.status, row.last_status_code, row.last_error) == ("pending", 302, "redirect not followed")
        assert len(hooks.received) == 1 and other.received == []


def test_a_refused_delivery_can_be_sent_again_once_the_operator_allows_private(app, demo, loopback, monkeypatch):
    stored_endpoint(loopback.url)
    breach_one_ticket()
    assert webhook_delivery.deliver_due(T0).refused == 1
    [row] = deliveries()
    later = T0 + 2 * HOURS
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", True)
    webhooks.retry_delivery(row.id, now=later)
    assert webhook_delivery.deliver_due(later) == webhook_delivery.DeliveryPass(1, 0, 0, 0)
    [row] = deliveries()
    assert (row.status, row.last_error) == ("delivered", None) and len(loopback.received) == 1
