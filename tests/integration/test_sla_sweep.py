"""The SLA sweep: exact marks at a given instant, idempotent, escalations once."""
import datetime as dt

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Event, Notification, Ticket, User
from portal.services import sla_jobs, staff_actions
from tests import factories

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 09:00 in Ho Chi Minh City
HOURS = dt.timedelta(hours=1)
MANAGERS_AFTER = dt.timedelta(hours=2)


def events(kind):
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))


def test_sweep_marks_exactly_the_expected_tickets_and_second_sweep_changes_nothing(app, demo):
    fresh = factories.ticket(T0)                       # due 06:00 UTC, at risk from 05:00
    at_risk = factories.ticket(T0 - 3.5 * HOURS)       # due 02:30, at risk from 01:30 ... at T0+? see below
    breached = factories.ticket(T0 - 5 * HOURS)        # due 01:00
    answered = factories.ticket(T0 - 5 * HOURS)
    resolved_unanswered = factories.ticket(T0 - 5 * HOURS)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_actions.reply(answered, agent, "Đã xử lý", False, now=T0 - 4.5 * HOURS)
    staff_actions.change_status(resolved_unanswered, agent, "resolved", now=T0 - 4.5 * HOURS)
    now = T0 - dt.timedelta(minutes=5)     # 01:55: at_risk ticket is due 02:30, at risk since 01:30
    result = sla_jobs.sweep(now, MANAGERS_AFTER)
    assert (result.at_risk, result.breached, result.escalated) == (2, 1, 1)
    db.session.expire_all()
    assert db.session.get(Ticket, at_risk.id).at_risk_marked_at == now
    assert db.session.get(Ticket, at_risk.id).breached_at is None
    assert db.session.get(Ticket, breached.id).breached_at == now
    assert db.session.get(Ticket, fresh.id).at_risk_marked_at is None
    assert db.session.get(Ticket, answered.id).breached_at is None
    assert db.session.get(Ticket, resolved_unanswered.id).breached_at is None
    assert sla_jobs.sweep(now, MANAGERS_AFTER) == sla_jobs.SweepResult(0, 0, 0)
    assert sla_jobs.sweep(now + dt.timedelta(minutes=1), MANAGERS_AFTER) == sla_jobs.SweepResult(0, 0, 0)


def test_late_scheduler_catches_up_from_timestamps(app, demo):
    tickets_ = [factories.ticket(T0 + i * dt.timedelta(minutes=10)) for i in range(5)]
    result = sla_jobs.sweep(T0 + 12 * HOURS, MANAGERS_AFTER)
    assert (result.at_risk, result.breached) == (5, 5)
    # leads escalation plus, being hours past due, managers escalation
    assert result.escalated == 10
    assert events("sla_breached") == 5 and events("sla_at_risk") == 5
    for t in tickets_:
        db.session.refresh(t)
        assert t.breached_at and t.escalated_at and t.manager_escalated_at


def test_breach_notifies_department_leads_and_at_risk_the_assignee(app, demo):
    ticket = factories.ticket(T0)
    sla_jobs.sweep(T0 + 3.5 * HOURS, MANAGERS_AFTER)
    notes = db.session.scalars(select(Notification).where(Notification.ticket_id == ticket.id)).all()
    assert [(n.kind, n.user_id) for n in notes] == [("sla_at_risk", ticket.assignee_id)]
    sla_jobs.sweep(T0 + 4.5 * HOURS, MANAGERS_AFTER)
    lead = db.session.scalar(select(User).where(User.email == "lead.delivery@demo.test"))
    kinds = {(n.kind, n.user_id) for n in db.session.scalars(select(Notification).where(
        Notification.ticket_id == ticket.id))}
    assert ("escalated", lead.id) in kinds and ("sla_breached", ticket.assignee_id) in kinds


def test_sweep_cli_prints_counts_as_last_line(app, demo, runner):
    factories.ticket(T0)
    result = runner.invoke(args=["sla", "sweep", "--now", (T0 + 5 * HOURS).isoformat()])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "at_risk=1 breached=1 escalated=1"
    bad = runner.invoke(args=["sla", "sweep", "--now", "yesterday"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


def test_priority_bump_on_breach_is_optional_and_recorded(app, demo):
    normal, high = factories.ticket(T0), factories.ticket(T0)
    high.priority = "high"
    db.session.commit()
    sla_jobs.sweep(T0 + 5 * HOURS, MANAGERS_AFTER)
    db.session.expire_all()
    assert db.session.get(Ticket, normal.id).priority == "normal"  # off by default
    later = [factories.ticket(T0 + HOURS), factories.ticket(T0 + HOURS)]
    later[1].priority = "high"
    db.session.commit()
    sla_jobs.sweep(T0 + 6 * HOURS, MANAGERS_AFTER, bump_priority=True)
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).priority for t in later] == ["high", "urgent"]
    breach = db.session.scalar(select(Event).where(Event.ticket_id == later[0].id, Event.kind == "sla_breached"))
    assert breach.data["priority_raised"] is True
    assert db.session.get(Ticket, high.id).priority == "high"  # breached earlier, not bumped again
