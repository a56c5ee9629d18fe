"""CLI commands of PRODUCT.md: demo load, orders import, users add, routing test."""
import json

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Department, Seller, Shipment, Ticket, User


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_load_is_idempotent_and_covers_every_state(app, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    sizes = [count(m) for m in (Department, User, Seller, Shipment, Ticket)]
    assert sizes[:4] == [5, 15, 20, 300]
    statuses = set(db.session.scalars(select(Ticket.status)))
    assert {"new", "open", "waiting_on_seller", "resolved"} <= statuses
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "departments+0 users+0 sellers+0 shipments+0 tickets+0" in again.output
    assert [count(m) for m in (Department, User, Seller, Shipment, Ticket)] == sizes
    info = runner.invoke(args=["demo", "info"])
    assert info.output.count("/s/") == 2 and "agent1.delivery@demo.test" in info.output


def test_orders_import_upserts_and_reports_rejects(app, runner, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("tracking_number,status,last_event,event_at\n"
                    "nv10000001,in_transit,Đang trung chuyển tại Hub Bắc Ninh,2026-11-22T10:00:00+07:00\n"
                    "NV10000002,delivered,Giao thành công,2026-11-22T11:00:00Z\n"
                    "bad!,delivered,x,2026-11-22T11:00:00Z\n"
                    "NV10000003,,x,2026-11-22T11:00:00Z\n"
                    "NV10000004,delivered,x,yesterday\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "added=2 updated=0 rejected=3" in result.output
    assert "line 4: rejected" in result.output and "line 6: rejected" in result.output
    assert db.session.get(Shipment, "NV10000001").last_event == "Đang trung chuyển tại Hub Bắc Ninh"
    path.write_text("tracking_number,status,last_event,event_at\n"
                    "NV10000001,delivered,Giao thành công,2026-11-23T09:00:00+07:00\n"
                    "NV10000002,in_transit,older event,2026-11-20T11:00:00Z\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(path)])
    assert "added=0 updated=1 rejected=0" in result.output
    db.session.expire_all()
    assert db.session.get(Shipment, "NV10000001").status == "delivered"
    assert db.session.get(Shipment, "NV10000002").status == "delivered"  # an older event never wins
    header = tmp_path / "wrong.csv"
    header.write_text("number,state\nNV1,x\n")
    bad = runner.invoke(args=["orders", "import", str(header)])
    assert bad.exit_code != 0 and "tracking_number" in bad.output


def test_users_add_with_password_stdin_and_validation(app, runner):
    runner.invoke(args=["demo", "load"])
    ok = runner.invoke(args=["users", "add", "--email", "New.Agent@Example.com", "--name", "Nguyễn Văn A", "--role",
                             "agent", "--department", "returns", "--password-stdin"], input="a-long-password-1\n")
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(select(User).where(User.email == "new.agent@example.com"))
    assert [d.code for d in user.departments] == ["returns"] and user.password_hash != "a-long-password-1"
    for args, message in ((["--role", "agent"], "belong to at least one department"),
                          (["--role", "agent", "--department", "nowhere"], "Unknown department"),
                          (["--role", "manager"], "already exists")):
        result = runner.invoke(args=["users", "add", "--email", "new.agent@example.com", "--name", "X", *args,
                                     "--password-stdin"], input="a-long-password-1\n")
        assert result.exit_code != 0 and message in result.output, result.output
    short = runner.invoke(args=["users", "add", "--email", "x@example.com", "--name", "X", "--role", "admin",
                                "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_routing_test_replays_a_changed_ruleset(app, runner, tmp_path):
    import routing

    runner.invoke(args=["demo", "load"])
    same = runner.invoke(args=["routing", "test", "--days", "7"])
    assert same.exit_code == 0, same.output
    total = count(Ticket)
    assert f"{total} tickets of the last 7 days replayed" in same.output
    assert f"{total} of {total} tickets unchanged" in same.output
    rules = routing.load_rules().to_dict()
    rules["version"] = "try-1"
    rules["category_defaults"]["delivery_delay"] = "returns"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    moved = runner.invoke(args=["routing", "test", "--rules", str(path)])
    assert moved.exit_code == 0, moved.output
    assert "rules try-1" in moved.output and "from delivery to returns" in moved.output
    path.write_text('{"version": "x", "category_defaults": {"delivery_delay": "moon"}}')
    broken = runner.invoke(args=["routing", "test", "--rules", str(path)])
    assert broken.exit_code != 0 and "moon" in broken.output
