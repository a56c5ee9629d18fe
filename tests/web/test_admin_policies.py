"""/admin/policies: versioned SLA targets, re-applied to open tickets only after confirmation; the
policy lookup of new tickets is cached in-process."""
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Department, Event, SlaPolicy, Ticket
from portal.services import policies
from portal.services.runtime import runtime
from tests import factories
from tests.clients import csrf_from

MIN = dt.timedelta(minutes=1)


def audits(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def reloaded(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return auth


def post(client, path, **data):
    token = csrf_from(client.get("/admin/policies").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def set_policy(client, **fields):
    data = {"department": "delivery", "priority": "*", "first_response_minutes": "90", "at_risk_minutes": "",
            "resolution_minutes": "", **fields}
    return post(client, "/admin/policies", **data)


def test_the_page_shows_the_default_the_escalation_levels_and_the_forms(client, admin):
    html = client.get("/admin/policies").get_data(as_text=True)
    assert "table-scroll" in html and "configured default" in html and "240 min (4 h)" in html
    assert "SLA_MANAGER_ESCALATION_MINUTES" in html and "120 minutes after the due time" in html
    assert "Save as a new version" in html and "Show what would change" in html


@pytest.mark.parametrize("fields, message", [
    ({"first_response_minutes": ""}, "Enter the first-response target in minutes."),
    ({"first_response_minutes": "abc"}, "Not a valid integer value."),
    ({"first_response_minutes": "0"}, "From 1 minute to 30 days (43200)."),
    ({"first_response_minutes": "99999999999999999999"}, "From 1 minute to 30 days (43200)."),
    ({"first_response_minutes": "240", "at_risk_minutes": "300"}, "must be shorter than the first-response target"),
    ({"first_response_minutes": "30"}, "60 min, must be shorter"),
    ({"resolution_minutes": "-5"}, "From 1 minute to 365 days (525600)."),
    ({"department": "moon"}, "Unknown department."),
    ({"priority": "asap"}, "Not a valid choice."),
])
def test_invalid_policies_are_refused_with_field_messages(client, admin, fields, message):
    response = set_policy(client, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True), fields
    assert db.session.query(SlaPolicy).count() == 0 and audits("policy.set") == []


def test_a_change_is_a_new_version_new_tickets_use_it_existing_ones_keep_their_due_time(client, admin, now):
    old = factories.ticket(now)
    assert old.first_response_due_at == now + 240 * MIN
    assert set_policy(client).status_code == 303
    assert set_policy(client, first_response_minutes="60", at_risk_minutes="15",
                      resolution_minutes="1440").status_code == 303
    assert reloaded(old.id).first_response_due_at == now + 240 * MIN  # untouched
    new = factories.ticket(now)
    assert new.first_response_due_at == now + 60 * MIN and new.at_risk_at == now + 45 * MIN
    finance = factories.ticket(now, category="finance", description="Chưa nhận tiền COD")
    assert finance.first_response_due_at == now + 240 * MIN  # another department keeps the default
    rows = list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.version)))
    assert [(r.version, r.active, r.first_response_minutes, r.created_by) for r in rows] == [
        (1, False, 90, "admin@demo.test"), (2, True, 60, "admin@demo.test")]
    first, second = audits("policy.set")
    assert first.target_label == "delivery/*" and first.before is None
    assert first.after == {"version": 1, "first_response_minutes": 90, "at_risk_minutes": None,
                           "resolution_minutes": None}
    assert second.before == first.after
    assert second.after == {"version": 2, "first_response_minutes": 60, "at_risk_minutes": 15,
                            "resolution_minutes": 1440}
    html = client.get("/admin/policies").get_data(as_text=True)
    assert html.count("admin@demo.test") >= 2 and "replaced" in html and "1,440 min (24 h)" in html


def test_reapply_changes_open_tickets_only_after_confirmation(client, admin, now):
    delivery = factories.ticket(now)
    finance = factories.ticket(now, category="finance", description="Chưa nhận tiền COD")
    done = factories.ticket(now)
    done.status = "resolved"
    db.session.commit()
    set_policy(client, first_response_minutes="120")
    set_policy(client, department="finance", first_response_minutes="480", at_risk_minutes="30")
    preview = post(client, "/admin/policies/reapply", scope="delivery")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and delivery.reference in html
    assert "1 open ticket(s) of Pickup &amp; delivery" in html
    assert 'name="confirm" value="yes"' in html
    assert reloaded(delivery.id).first_response_due_at == now + 240 * MIN and audits("policy.reapplied") == []
    confirmed = post(client, "/admin/policies/reapply", scope="delivery", confirm="yes")
    assert confirmed.status_code == 303
    assert reloaded(delivery.id).first_response_due_at == now + 120 * MIN
    assert reloaded(delivery.id).at_risk_at == now + 60 * MIN
    assert reloaded(finance.id).first_response_due_at == now + 240 * MIN  # another department: not re-applied
    assert reloaded(done.id).first_response_due_at == now + 240 * MIN  # resolved: never changed
    [event] = audits("policy.reapplied")
    assert event.actor_label == "admin@demo.test" and event.target_label == "delivery/open tickets"
    assert event.before["first_response_due_at"] == {delivery.reference: (now + 240 * MIN).isoformat()}
    assert event.after["first_response_due_at"] == {delivery.reference: (now + 120 * MIN).isoformat()}
    assert event.after["tickets_changed"] == 1
    history = db.session.scalar(select(Event).where(Event.ticket_id == delivery.id, Event.kind == "policy_applied"))
    assert history.actor_label == "Admin Quản Trị"
    everywhere = post(client, "/admin/policies/reapply", scope="*")
    assert "1 open ticket(s) still waiting" in everywhere.get_data(as_text=True)
    assert post(client, "/admin/policies/reapply", scope="*", confirm="yes").status_code == 303
    assert reloaded(finance.id).first_response_due_at == now + 480 * MIN
    assert reloaded(done.id).first_response_due_at == now + 240 * MIN
    nothing = post(client, "/admin/policies/reapply", scope="*")
    assert "No open ticket would change" in nothing.get_data(as_text=True)


def test_reapply_refuses_an_unknown_department(client, admin, runner):
    response = post(client, "/admin/policies/reapply", scope="moon", confirm="yes")
    assert response.status_code == 422 and "Unknown department" in response.get_data(as_text=True)
    result = runner.invoke(args=["sla", "policy", "apply", "--department", "moon"])
    assert result.exit_code != 0 and "Unknown department" in result.output
    assert audits("policy.reapplied") == []


def test_cli_policy_changes_are_audited_as_cli(app, demo, runner):
    assert runner.invoke(args=["sla", "policy", "set", "--priority", "urgent",
                               "--first-response-minutes", "60", "--at-risk-minutes", "15"]).exit_code == 0
    assert runner.invoke(args=["sla", "policy", "apply"]).exit_code == 0
    assert [(e.action, e.actor_label, e.target_label) for e in db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id))] == [("policy.set", "cli", "*/urgent"),
                                                          ("policy.reapplied", "cli", "*/open tickets")]


@pytest.fixture
def policy_queries(app):
    """Count the statements that read sla_policies."""
    seen = []

    def listen(conn, cursor, statement, *args):
        if "sla_policies" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", listen)


class FakeClock:
    def __init__(self):
        self.value = 1000.0

    def __call__(self):
        return self.value


def test_policy_lookups_are_cached_and_a_change_here_is_seen_at_once(app, demo, policy_queries, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(policies._cache, "clock", clock)
    policies.forget_cached()
    rt = runtime()
    assert policies.policy_for("delivery", "normal", rt).first_response == 240 * MIN
    assert policies.policy_for("finance", "urgent", rt).first_response == 240 * MIN
    assert len(policy_queries) == 1
    policies.set_policy("delivery", "*", 90, None, None, actor="test", now=dt.datetime.now(dt.UTC), rt=rt)
    assert policies.policy_for("delivery", "normal", rt).first_response == 90 * MIN
    assert policies.policy_for("delivery", "urgent", rt).first_response == 90 * MIN


def test_a_change_made_by_another_process_is_seen_within_the_cache_time(app, demo, policy_queries, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(policies._cache, "clock", clock)
    policies.forget_cached()
    rt = runtime()
    assert policies.policy_for("delivery", "normal", rt).first_response == 240 * MIN
    # another process writes a policy: this one has not forgotten its copy yet
    finance_id = db.session.scalar(select(Department.id).where(Department.code == "finance"))
    db.session.add(SlaPolicy(department_id=finance_id, priority=None, first_response_minutes=30, at_risk_minutes=10,
                             created_by="elsewhere", created_at=dt.datetime.now(dt.UTC)))
    db.session.commit()
    clock.value += policies.CACHE_SECONDS - 0.5
    assert policies.policy_for("finance", "normal", rt).first_response == 240 * MIN
    assert len(policy_queries) == 1
    clock.value += 1
    assert policies.policy_for("finance", "normal", rt).first_response == 30 * MIN
    assert len(policy_queries) == 2


def test_a_read_that_raced_with_a_change_is_not_kept(app, demo, monkeypatch):
    cache = policies._PolicyCache(clock=FakeClock())
    rt = runtime()
    stale = {"read": "before the change"}

    def load_while_changing():
        cache.clear()  # a change commits while this read is under way
        return stale

    assert cache.get(rt, load_while_changing) is stale
    fresh = {"read": "after"}
    assert cache.get(rt, lambda: fresh) is fresh


def test_managers_look_agents_and_leads_are_refused(client, demo, auth):
    auth.login("manager@demo.test")
    html = client.get("/admin/policies").get_data(as_text=True)
    assert "Escalation levels" in html and "Save as a new version" not in html
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    assert client.post("/admin/policies", data={"csrf_token": token, "department": "*", "priority": "*",
                                                "first_response_minutes": "60"}).status_code == 403
    assert client.post("/admin/policies/reapply", data={"csrf_token": token, "confirm": "yes"}).status_code == 403
    for email in ("agent1.delivery@demo.test", "lead.delivery@demo.test"):
        auth.post("/logout", "/inbox")
        auth.login(email)
        assert client.get("/admin/policies").status_code == 403
    assert db.session.query(SlaPolicy).count() == 0 and db.session.query(AuditEvent).count() == 0
