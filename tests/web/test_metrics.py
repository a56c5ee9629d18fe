"""GET /metrics: who may read it, and what it says about requests, tickets, outboxes and the
scheduler, checked against rows this test writes (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import types

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import column, table

from portal import metrics
from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.services import monitoring, sla_jobs
from tests import factories

TOKEN = "metrics-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """The page as {(sample name, sorted labels): value}."""
    response = client.get("/metrics", headers={**BEARER, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


# --- who may read it ------------------------------------------------------------------------------

def test_without_a_metrics_token_the_page_does_not_exist(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN,
                                    "Bearer", f"Bearer {TOKEN[:-1]}"])
def test_a_missing_or_wrong_token_gets_401_with_a_bearer_challenge(client, token, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) == (header is not None)
    assert "portal_" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_the_right_token_from_any_address_gets_the_prometheus_text(client, token):
    response = client.get("/metrics", headers=BEARER, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # no session for a scraper
    names = {family.name for family in text_string_to_metric_families(response.get_data(as_text=True))}
    assert {"portal_http_request_duration_seconds", "portal_tickets", "portal_outbox_pending",
            "portal_outbox_failed", "portal_outbox_oldest_due_seconds", "portal_scheduler_heartbeat_age_seconds",
            "portal_database_up"} <= names


def test_the_token_is_read_case_insensitively_as_bearer_and_needs_no_csrf(client, token):
    assert client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert client.post("/metrics", headers=BEARER).status_code == 405  # read-only: GET alone


# --- requests -------------------------------------------------------------------------------------

def test_a_seller_link_request_is_counted_under_its_endpoint_and_the_token_appears_nowhere(client, token, demo,
                                                                                            seller):
    path = seller.link_path()
    link_token = path.rsplit("/", 1)[-1]
    before = scrape(client)
    assert client.get(path).status_code == 200
    assert client.get(path + "/no-such-page").status_code == 404
    assert client.open(path, method="BREW").status_code == 405
    response = client.get("/metrics", headers=BEARER)
    text = response.get_data(as_text=True)
    assert link_token not in text and link_token[:12] not in text
    after = scrape(client)

    def gained(name, **labels):
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert gained("portal_http_request_duration_seconds_count", endpoint="seller.home", method="GET") == 1
    assert gained("portal_http_request_duration_seconds_bucket", endpoint="seller.home", method="GET", le="+Inf") == 1
    assert gained("portal_http_request_duration_seconds_count", endpoint="unmatched", method="GET") == 1
    assert gained("portal_http_request_duration_seconds_count", endpoint="unmatched", method="other") == 1
    # the page and the two scrapes before the last (a scrape is counted once it has answered)
    assert gained("portal_http_responses_total", status_class="2xx") == 3
    assert gained("portal_http_responses_total", status_class="4xx") == 2
    # every label value is an endpoint name or a known method: nothing taken from the path
    endpoints = {labels["endpoint"] for family in text_string_to_metric_families(text) for s in family.samples
                 for labels in [s.labels] if "endpoint" in labels}
    assert endpoints <= set(client.application.view_functions) | {metrics.UNMATCHED}


# --- tickets per department -----------------------------------------------------------------------

def test_open_at_risk_and_breached_tickets_per_department(client, token, demo, now):
    hour = dt.timedelta(hours=1)
    answered = now - 4 * hour
    # each created five hours ago; put in its department, due `due_in` from now, at risk an hour before
    for department, due_in, status, responded in [
        ("delivery", 3 * hour, None, None),  # open, on track
        ("delivery", hour / 2, None, None),  # at risk
        ("delivery", hour / 2, "waiting_on_seller", None),  # at risk, waiting on the seller
        ("delivery", -hour, None, None),  # breached
        ("delivery", -hour, "open", answered),  # late, but answered: open only
        ("finance", -2 * hour, None, None),  # breached
        ("finance", -hour, "resolved", None),  # closed states are not counted
        ("finance", -hour, "closed", None),
    ]:
        factories.ticket(now - 5 * hour, department=department, status=status, first_response_due_at=now + due_in,
                         at_risk_at=now + due_in - hour, first_responded_at=responded)
    expected = {"delivery": monitoring.TicketCounts(open=5, at_risk=2, breached=1),
                "finance": monitoring.TicketCounts(open=1, at_risk=0, breached=1),
                "returns": monitoring.TicketCounts(0, 0, 0), "apps": monitoring.TicketCounts(0, 0, 0)}
    counts = monitoring.ticket_counts(now)
    assert {code: counts[code] for code in expected} == expected
    samples = scrape(client)
    for code, want in expected.items():
        for state in ("open", "at_risk", "breached"):
            assert value(samples, "portal_tickets", department=code, state=state) == getattr(want, state)


# --- outboxes and the scheduler -------------------------------------------------------------------

def test_webhook_backlog_pending_failed_and_how_late_the_oldest_due_one_is(client, token, app, now):
    endpoint = WebhookEndpoint(url="https://hooks.example.com/x", secret="s" * 20, events="sla_breached",
                               created_at=now)
    db.session.add(endpoint)
    db.session.flush()

    def delivery(status: str, next_attempt_at: dt.datetime) -> WebhookDelivery:
        return WebhookDelivery(endpoint_id=endpoint.id, event_kind="sla_breached", payload_json="{}", status=status,
                               next_attempt_at=next_attempt_at, created_at=now - dt.timedelta(hours=1))

    db.session.add_all([delivery("pending", now - dt.timedelta(minutes=10)),  # due for ten minutes
                        delivery("pending", now - dt.timedelta(minutes=2)),
                        delivery("pending", now + dt.timedelta(minutes=30)),  # waiting for its backoff
                        delivery("failed", now - dt.timedelta(days=1)),
                        delivery("delivered", now - dt.timedelta(days=2))])
    db.session.commit()
    found = monitoring.backlog(monitoring.OUTBOXES[0], now)
    assert (found.pending, found.failed, found.oldest_due_seconds) == (3, 1, 600.0)
    samples = scrape(client)
    assert value(samples, "portal_outbox_pending", outbox="webhooks") == 3
    assert value(samples, "portal_outbox_failed", outbox="webhooks") == 1
    assert 600 <= value(samples, "portal_outbox_oldest_due_seconds", outbox="webhooks") < 660


def test_nothing_due_is_zero_seconds_late(app, now):
    assert monitoring.backlog(monitoring.OUTBOXES[0], now) == monitoring.Backlog(0, 0, 0.0)


def test_heartbeat_age_per_scheduler_job(client, token, app, now):
    sla_jobs.beat("sla-sweep", now - dt.timedelta(seconds=90), "at_risk=0 breached=0 escalated=0")
    sla_jobs.beat("retention", now - dt.timedelta(hours=2), "")
    samples = scrape(client)
    assert 90 <= value(samples, "portal_scheduler_heartbeat_age_seconds", scheduler_job="sla-sweep") < 150
    assert 7200 <= value(samples, "portal_scheduler_heartbeat_age_seconds", scheduler_job="retention") < 7260
    assert monitoring.heartbeat_ages(now) == {"sla-sweep": 90.0, "retention": 7200.0}


def test_a_database_error_while_scraping_still_answers_with_the_request_figures(client, token, monkeypatch):
    missing = table("no_such_outbox", column("status"), column("next_attempt_at"))
    ghost = types.SimpleNamespace(status=missing.c.status, next_attempt_at=missing.c.next_attempt_at)
    monkeypatch.setattr(monitoring, "OUTBOXES", (monitoring.Outbox("ghost", ghost),))
    client.get("/healthz")
    samples = scrape(client)
    assert value(samples, "portal_database_up") == 0
    assert value(samples, "portal_http_request_duration_seconds_count", endpoint="health.healthz", method="GET") >= 1
    assert client.get("/healthz").status_code == 200  # the session was left clean
