"""The audit log lists administrative changes with who, when, before and after, and filters them."""
import datetime as dt

import pytest

from portal.extensions import db
from portal.services import audit


def _seed(demo, now):
    from sqlalchemy import select

    from portal.models import User
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    audit.record("seller.edited", "seller", "DEMO-001", before={"name": "Shop Hoa Mai", "phone": "0901"},
                 after={"name": "Shop Hoa Mai Quận 1", "phone": "0901"}, now=now - dt.timedelta(days=3), actor=admin)
    audit.record("user.deactivated", "user", "agent2.delivery@demo.test", before={"active": True},
                 after={"active": False}, now=now - dt.timedelta(hours=1), actor=admin)
    audit.record("seller.added", "seller", "NEW-1", before=None, after={"name": "Cửa hàng <b>Mới</b>"}, now=now,
                 actor_label="cli")
    db.session.commit()


def test_changes_lists_only_what_differs():
    assert audit.changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [("b", 2, 3), ("c", None, 4)]
    assert audit.changes(None, {"x": "y"}) == [("x", None, "y")]
    assert audit.changes({"x": 1}, {"x": 1}) == []


def test_audit_page_shows_before_and_after_and_filters(client, demo, auth, now):
    _seed(demo, now)
    auth.login("admin@demo.test")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert html.index("NEW-1") < html.index("agent2.delivery@demo.test") < html.index("DEMO-001")  # newest first
    assert "Shop Hoa Mai Quận 1" in html and "<del>Shop Hoa Mai</del>" in html
    assert "&lt;b&gt;Mới&lt;/b&gt;" in html and "<b>Mới</b>" not in html  # stored text is escaped
    only_users = client.get("/admin/audit?kind=user").get_data(as_text=True)
    assert "agent2.delivery@demo.test" in only_users and "DEMO-001" not in only_users
    by_cli = client.get("/admin/audit?actor=cli").get_data(as_text=True)
    assert "NEW-1" in by_cli and "DEMO-001" not in by_cli
    by_action = client.get("/admin/audit?action=seller.edited").get_data(as_text=True)
    assert "DEMO-001" in by_action and "NEW-1" not in by_action
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    recent = client.get(f"/admin/audit?from={today - dt.timedelta(days=1)}").get_data(as_text=True)
    assert "DEMO-001" not in recent and "NEW-1" in recent
    assert client.get("/admin/audit?from=not-a-date&before=-5&kind=%3Cx%3E").status_code == 200


def test_audit_pages_older_entries(client, demo, auth, now):
    for i in range(audit.PAGE_SIZE + 5):
        audit.record("seller.edited", "seller", f"S-{i:03d}", before={"n": i}, after={"n": i + 1}, now=now)
    db.session.commit()
    auth.login("manager@demo.test")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "S-104" in first and "S-004" not in first and "Older changes" in first
    older = first.split('href="/admin/audit?')[-1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/admin/audit?{older}").get_data(as_text=True)
    assert "S-004" in second and "S-000" in second and "S-104" not in second


@pytest.mark.usefixtures("dns")
def test_canned_replies_and_webhooks_changes_are_audited(client, demo, auth, runner):
    from sqlalchemy import select

    from portal.models import AuditEvent, CannedReply
    auth.login("admin@demo.test")
    assert auth.post("/admin/canned", "/admin/canned", department="finance", title="Hẹn đối soát",
                     body="Chào {seller_name}, tiền COD sẽ về trong 2 ngày.").status_code == 303
    reply = db.session.scalar(select(CannedReply).where(CannedReply.title == "Hẹn đối soát"))
    assert auth.post(f"/admin/canned/{reply.id}/off", "/admin/canned").status_code == 303
    assert auth.post("/admin/webhooks", "/admin/webhooks", url="https://chat.example.com/hooks",
                     events="ticket_created", secret="a-secret-of-twenty-chars").status_code == 303
    endpoint_id = db.session.scalar(select(AuditEvent.target_label).where(AuditEvent.action == "webhook.added"))
    assert auth.post(f"/admin/webhooks/{endpoint_id.split()[0]}/deactivate", "/admin/webhooks").status_code == 303
    assert runner.invoke(args=["webhooks", "add", "--url", "https://erp.example.com/h", "--events",
                               "ticket_resolved"]).exit_code == 0
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.before_json,
                                     AuditEvent.after_json).order_by(AuditEvent.id)).all()
    assert [(a, who) for a, who, *_ in rows] == [
        ("canned.added", "admin@demo.test"), ("canned.switched_off", "admin@demo.test"),
        ("webhook.added", "admin@demo.test"), ("webhook.deactivated", "admin@demo.test"), ("webhook.added", "cli")]
    assert all("a-secret-of-twenty-chars" not in (b or "") + (a or "") for _, _, b, a in rows)  # never the secret
    html = client.get("/admin/audit?kind=webhook").get_data(as_text=True)
    assert "deactivated the webhook" in html and "added the canned reply" not in html
