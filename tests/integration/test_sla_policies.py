"""SLA policies per department and priority: versioned, used for new tickets, re-applied on request."""
import datetime as dt

from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, SlaPolicy, Ticket
from portal.services import policies
from portal.services.runtime import runtime
from tests import factories

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def test_default_is_four_hours_and_an_urgent_policy_is_shorter(app, demo):
    assert factories.ticket(T0).first_response_due_at == T0 + 4 * H
    policies.set_policy("*", "urgent", 60, 15, None, actor="test", now=T0, rt=runtime())
    urgent = factories.ticket(T0, description="Gấp: shipper chưa đến lấy hàng, khẩn cấp")
    assert urgent.priority == "urgent"
    assert urgent.first_response_due_at == T0 + H
    assert urgent.at_risk_at == T0 + 45 * dt.timedelta(minutes=1)
    assert factories.ticket(T0).first_response_due_at == T0 + 4 * H  # normal priority unchanged


def test_department_policy_beats_the_any_department_one(app, demo):
    policies.set_policy("*", "*", 180, None, None, actor="test", now=T0, rt=runtime())
    policies.set_policy("finance", "*", 480, None, None, actor="test", now=T0, rt=runtime())
    assert factories.ticket(T0).first_response_due_at == T0 + 3 * H
    finance = factories.ticket(T0, category="finance", description="Chưa nhận tiền COD")
    assert finance.first_response_due_at == T0 + 8 * H


def test_a_change_is_versioned_and_leaves_existing_tickets_alone_until_reapplied(app, demo, runner):
    old = factories.ticket(T0)
    result = runner.invoke(args=["sla", "policy", "set", "--department", "delivery", "--first-response-minutes", "120"])
    assert result.exit_code == 0 and "version 1" in result.output
    runner.invoke(args=["sla", "policy", "set", "--department", "delivery", "--first-response-minutes", "90"])
    rows = list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.version)))
    assert [(r.version, r.active, r.first_response_minutes) for r in rows] == [(1, False, 120), (2, True, 90)]
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).first_response_due_at == T0 + 4 * H
    applied = runner.invoke(args=["sla", "policy", "apply", "--department", "delivery"])
    assert "1 ticket(s) changed" in applied.output
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).first_response_due_at == T0 + 90 * dt.timedelta(minutes=1)
    event = db.session.scalar(select(Event).where(Event.ticket_id == old.id, Event.kind == "policy_applied"))
    assert event.data["old_due"].startswith("2026-11-23T06:00") and event.data["new_due"].startswith("2026-11-23T03:30")


def test_invalid_policies_are_refused(app, demo, runner):
    for args, message in ((["--department", "moon"], "Unknown department"),
                          (["--priority", "asap"], "Priority is"),
                          (["--at-risk-minutes", "300"], "")):
        result = runner.invoke(args=["sla", "policy", "set", "--first-response-minutes", "240", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.query(SlaPolicy).count() == 0
