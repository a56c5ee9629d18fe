"""/admin/staff: admins add, edit, deactivate and reset passwords (all audited); managers look; others are refused."""
import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Event, Ticket, User
from tests import factories
from tests.clients import AuthActions, csrf_from

PASSWORD = "demo-password-2026"


def user(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def audits(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def users_count():
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return auth


@pytest.fixture
def other_client(app, client):
    """A second browser (client set the test-client class)."""
    second = app.test_client()
    return second, AuthActions(second)


def add(client, **fields):
    token = csrf_from(client.get("/admin/staff").get_data(as_text=True))
    data = {"csrf_token": token, "email": "linh.nguyen@example.com", "name": "Nguyễn Thị Linh", "role": "agent",
            "departments": ["returns"], "password": "a-long-password-1", **fields}
    return client.post("/admin/staff", data=data)


def test_the_list_shows_roles_departments_and_who_is_on_duty(client, admin):
    agent = user("agent2.finance@demo.test")
    agent.on_duty = False
    db.session.commit()
    page = client.get("/admin/staff")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "table-scroll" in html
    assert "agent1.delivery@demo.test" in html and "lead.triage@demo.test" in html
    on_duty = db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True),
                                                                           User.on_duty.is_(True)))
    assert html.count("off duty") == 1 and f"{on_duty} on duty now" in html


@pytest.mark.parametrize("fields, status, messages", [
    ({"email": "", "name": "", "password": ""}, 422,
     ["Enter an e-mail address.", "Enter a name.", "Enter an initial password."]),
    ({"email": "not-an-address", "password": "short"}, 422,
     ["Enter a valid e-mail address.", "The password needs at least 10 characters."]),
    ({"role": "boss"}, 422, ["Role is one of agent, lead, manager, admin."]),
    ({"departments": []}, 422, ["Agents and leads belong to at least one department."]),
    ({"departments": ["moon"]}, 422, ["Unknown department: moon."]),
    ({"email": "Agent1.Delivery@demo.test"}, 422, ["already exists"]),
    ({"name": "x" * 121}, 422, ["Field cannot be longer than 120 characters."]),
])
def test_adding_a_user_validates_every_field_and_saves_nothing_refused(client, admin, fields, status, messages):
    before = users_count()
    response = add(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    for message in messages:
        assert message in html
    assert 'aria-invalid="true"' in html
    assert users_count() == before and audits("user.added") == []


def test_an_added_user_can_log_in_and_the_audit_has_no_password(client, admin, other_client):
    response = add(client, email="Linh.Nguyen@Example.com", role="lead", departments=["returns", "finance"])
    assert response.status_code == 303
    linh = user("linh.nguyen@example.com")
    assert linh.role == "lead" and sorted(d.code for d in linh.departments) == ["finance", "returns"]
    assert response.headers["Location"].endswith(f"/admin/staff/{linh.id}")
    [event] = audits("user.added")
    assert event.actor_label == "admin@demo.test" and event.before is None
    assert event.after == {"email": "linh.nguyen@example.com", "name": "Nguyễn Thị Linh", "role": "lead",
                           "active": True, "departments": ["finance", "returns"]}
    assert "a-long-password-1" not in event.after_json and linh.password_hash not in event.after_json
    second, auth2 = other_client
    assert auth2.login("linh.nguyen@example.com", "a-long-password-1").status_code == 303
    assert second.get("/inbox").status_code == 200


def test_editing_role_and_departments_is_validated_and_audited(client, admin):
    agent = user("agent1.delivery@demo.test")
    page = f"/admin/staff/{agent.id}"
    html = client.get(page).get_data(as_text=True)
    assert "agent1.delivery@demo.test" in html
    token = csrf_from(html)
    for data, message in (({"name": "", "role": "agent", "departments": ["delivery"]}, "Enter a name."),
                          ({"name": "A", "role": "lead", "departments": []}, "belong to at least one department"),
                          ({"name": "A", "role": "root", "departments": ["delivery"]}, "Role is one of"),
                          ({"name": "A", "role": "agent", "departments": ["moon"]}, "Unknown department")):
        refused = client.post(page, data={"csrf_token": token, **data})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), data
    assert user("agent1.delivery@demo.test").role == "agent" and audits("user.edited") == []
    ok = client.post(page, data={"csrf_token": token, "name": "Agent One", "role": "lead",
                                 "departments": ["delivery", "returns"]})
    assert ok.status_code == 303
    changed = user("agent1.delivery@demo.test")
    assert changed.role == "lead" and sorted(d.code for d in changed.departments) == ["delivery", "returns"]
    [event] = audits("user.edited")
    assert event.before["role"] == "agent" and event.before["departments"] == ["delivery"]
    assert event.after["role"] == "lead" and event.after["departments"] == ["delivery", "returns"]
    assert event.after["name"] == "Agent One" and event.target_label == "agent1.delivery@demo.test"


def test_an_admin_can_neither_demote_nor_deactivate_themselves(client, admin):
    me = user("admin@demo.test")
    page = f"/admin/staff/{me.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    demote = client.post(page, data={"csrf_token": token, "name": me.name, "role": "manager"})
    assert demote.status_code == 422 and "cannot remove your own administrator role" in demote.get_data(as_text=True)
    deactivate = client.post(f"{page}/deactivate", data={"csrf_token": token})
    assert deactivate.status_code == 409
    assert "cannot deactivate your own account" in deactivate.get_data(as_text=True)
    me = user("admin@demo.test")
    assert me.role == "admin" and me.active and audits("user.edited") == audits("user.deactivated") == []
    assert client.get("/admin/staff").status_code == 200  # still signed in and still an admin


def test_deactivation_blocks_login_ends_the_session_and_stops_new_assignments(client, admin, other_client, now):
    second, auth2 = other_client
    assert auth2.login("agent1.delivery@demo.test").status_code == 303
    assert second.get("/inbox").status_code == 200
    agent = user("agent1.delivery@demo.test")
    owned = factories.ticket(now)
    assert owned.assignee_id == agent.id  # both agents have nothing open: the lowest id gets it
    response = auth_post(client, f"/admin/staff/{agent.id}/deactivate", f"/admin/staff/{agent.id}")
    assert response.status_code == 303
    assert "1 open ticket(s) went back" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not user("agent1.delivery@demo.test").active
    # the open session stops working, and a new login is refused
    ended = second.get("/inbox")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert auth2.login("agent1.delivery@demo.test").status_code == 401
    # the open ticket went back to the queue, recorded in its history; new tickets skip the agent
    db.session.expire_all()
    assert db.session.get(Ticket, owned.id).assignee_id is None
    unassigned = db.session.scalar(select(Event).where(Event.ticket_id == owned.id, Event.kind == "assigned",
                                                       Event.actor_user_id == user("admin@demo.test").id))
    assert unassigned.data["reason"] == "assignee deactivated"
    assert factories.ticket(now).assignee_id == user("agent2.delivery@demo.test").id
    [event] = audits("user.deactivated")
    assert event.before["active"] is True and event.after["active"] is False
    assert event.after["open_tickets_unassigned"] == [owned.reference]
    # the name stays: the account is listed, deactivated
    assert "Agent 1 Delivery" in client.get("/admin/staff").get_data(as_text=True)
    again = auth_post(client, f"/admin/staff/{agent.id}/reactivate", f"/admin/staff/{agent.id}")
    assert again.status_code == 303 and user("agent1.delivery@demo.test").active
    assert [e.after["active"] for e in audits("user.reactivated")] == [True]
    assert auth2.login("agent1.delivery@demo.test").status_code == 303


def auth_post(client, path, page, **data):
    return client.post(path, data={"csrf_token": csrf_from(client.get(page).get_data(as_text=True)), **data})


def test_password_reset_by_admin_typed_or_generated_is_audited_without_secrets(client, admin, other_client):
    agent = user("agent1.finance@demo.test")
    page = f"/admin/staff/{agent.id}"
    path = f"{page}/password"
    for data, message in (({}, "Enter a new password, or tick"),
                          ({"password": "short"}, "at least 10 characters"),
                          ({"password": "another-long-one", "generate": "y"}, "not both")):
        refused = auth_post(client, path, page, **data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), data
    assert audits("user.password_reset") == []
    second, auth2 = other_client
    typed = auth_post(client, path, page, password="typed-new-password")
    assert typed.status_code == 303
    assert auth2.login("agent1.finance@demo.test", PASSWORD).status_code == 401
    assert auth2.login("agent1.finance@demo.test", "typed-new-password").status_code == 303
    generated = auth_post(client, path, page, generate="y")
    html = generated.get_data(as_text=True)
    assert generated.status_code == 200 and generated.headers["Cache-Control"] == "no-store"
    shown = html.split('<code class="secret" data-copy>')[1].split("</code>")[0]
    assert len(shown) >= 16
    assert shown not in client.get(page).get_data(as_text=True)  # shown once
    assert second.get("/inbox").status_code == 302  # the reset ended the session opened with the typed one
    assert auth2.login("agent1.finance@demo.test", "typed-new-password").status_code == 401
    assert auth2.login("agent1.finance@demo.test", shown).status_code == 303
    events = audits("user.password_reset")
    assert [e.after for e in events] == [{"password": "set by an administrator", "sessions_ended": 0},
                                         {"password": "generated", "sessions_ended": 1}]
    stored = " ".join((e.before_json or "") + (e.after_json or "") for e in events)
    assert "typed-new-password" not in stored and shown not in stored
    assert user("agent1.finance@demo.test").password_hash not in stored and "pbkdf2" not in stored
    assert "scrypt" not in stored


def test_unknown_accounts_are_not_found(client, admin):
    assert client.get("/admin/staff/99999").status_code == 404
    assert auth_post(client, "/admin/staff/99999/deactivate", "/admin/staff").status_code == 404


@pytest.mark.parametrize("email", ["agent1.delivery@demo.test", "lead.delivery@demo.test"])
def test_agents_and_leads_are_refused(client, demo, auth, email):
    auth.login(email)
    target = user("agent2.apps@demo.test")
    assert client.get("/admin/staff").status_code == 403
    assert client.get(f"/admin/staff/{target.id}").status_code == 403
    assert auth.post(f"/admin/staff/{target.id}/deactivate", "/inbox").status_code == 403
    assert user("agent2.apps@demo.test").active


def test_managers_look_but_cannot_change(client, demo, auth):
    auth.login("manager@demo.test")
    target = user("agent2.apps@demo.test")
    assert client.get("/admin/staff").status_code == 200
    html = client.get(f"/admin/staff/{target.id}").get_data(as_text=True)
    assert "agent2.apps@demo.test" in html and "Reset the password" not in html
    for path, data in (("/admin/staff", {"email": "m@example.com", "name": "M", "role": "agent",
                                         "departments": "apps", "password": "a-long-password-1"}),
                       (f"/admin/staff/{target.id}", {"name": "X", "role": "admin"}),
                       (f"/admin/staff/{target.id}/deactivate", {}),
                       (f"/admin/staff/{target.id}/password", {"generate": "y"})):
        assert auth.post(path, "/admin/staff", **data).status_code == 403, path
    target = user("agent2.apps@demo.test")
    assert target.role == "agent" and target.active and db.session.query(AuditEvent).count() == 0


def test_cli_users_add_is_audited_as_cli(app, demo, runner):
    result = runner.invoke(args=["users", "add", "--email", "cli.agent@example.com", "--name", "CLI Agent", "--role",
                                 "agent", "--department", "apps", "--password-stdin"], input="a-long-password-1\n")
    assert result.exit_code == 0, result.output
    [event] = audits("user.added")
    assert event.actor_label == "cli" and event.actor_user_id is None
    assert json.loads(event.after_json)["departments"] == ["apps"] and "a-long-password-1" not in event.after_json


def test_hostile_values_in_every_admin_form_never_cause_a_server_error(client, admin):
    from tests.hostile import HOSTILE, assert_clean

    agent = user("agent2.apps@demo.test")
    forms = {
        "/admin/staff": ["email", "name", "role", "departments", "password"],
        f"/admin/staff/{agent.id}": ["name", "role", "departments"],
        f"/admin/staff/{agent.id}/password": ["password", "generate"],
        "/admin/departments/apps": ["name", "name_vi", "leads"],
        "/admin/departments/apps/calendar": ["business", "timezone", "country", "hours_0", "holidays"],
        "/admin/policies": ["department", "priority", "first_response_minutes", "at_risk_minutes"],
        "/admin/policies/reapply": ["scope", "confirm"],
    }
    valid = {"email": "h@example.com", "name": "H", "role": "agent", "departments": "apps",
             "password": "a-long-password-1", "business": "business", "timezone": "Asia/Ho_Chi_Minh",
             "country": "VN", "hours_0": "08:00-17:00", "department": "apps", "priority": "*",
             "first_response_minutes": "240"}
    token = csrf_from(client.get("/admin/staff").get_data(as_text=True))
    for path, fields in forms.items():
        for name in fields:
            for value in HOSTILE[:9] + ["{{7*7}}", "A" * 5000, "", "99999999999999999999"]:
                response = client.post(path, data={"csrf_token": token, **valid, name: value})
                assert_clean(response)
                assert response.status_code in (200, 303, 400, 409, 422), (path, name, value[:40])
    assert user("admin@demo.test").active and user("admin@demo.test").role == "admin"
