"""/admin/departments: names, leads and business calendars, shared with the CLI and audited."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Department, Notification, User
from portal.services import sla_jobs
from tests import factories
from tests.clients import csrf_from

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STANDARD_WEEK = {"hours_0": "08:00-17:30", "hours_1": "08:00-17:30", "hours_2": "08:00-17:30",
                 "hours_3": "08:00-17:30", "hours_4": "08:00-17:30", "hours_5": "08:00-12:00", "hours_6": ""}


def department(code):
    db.session.expire_all()
    return db.session.scalar(select(Department).where(Department.code == code))


def user(email):
    return db.session.scalar(select(User).where(User.email == email))


def audits(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def admin(client, demo, auth):
    assert auth.login("admin@demo.test").status_code == 303
    return auth


def post(client, path, **data):
    token = csrf_from(client.get("/admin/departments/finance").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def calendar(client, code="finance", **fields):
    data = {"business": "business", "timezone": "Asia/Ho_Chi_Minh", "country": "VN", **STANDARD_WEEK,
            "holidays": "", **fields}
    return post(client, f"/admin/departments/{code}/calendar", **data)


def test_the_list_shows_names_leads_calendars_and_links_to_canned_replies(client, admin):
    page = client.get("/admin/departments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "table-scroll" in html
    assert "Pickup &amp; delivery" in html and "Lấy và giao hàng" in html and "Lead Delivery" in html
    assert 'href="/admin/canned"' in html and "Open 24/7" in html
    detail = client.get("/admin/departments/delivery").get_data(as_text=True)
    assert 'href="/admin/canned"' in detail and 'name="hours_0"' in detail and 'value="08:00-17:30"' in detail


def test_names_and_leads_are_validated_and_audited_and_new_leads_get_escalations(client, admin, now):
    path = "/admin/departments/delivery"
    delivery_lead, triage_lead = user("lead.delivery@demo.test"), user("lead.triage@demo.test")
    agent = user("agent1.delivery@demo.test")
    for data, message in (({"name": "", "leads": [delivery_lead.id]}, "Enter the department&#39;s name."),
                          ({"name": "x" * 121, "leads": [delivery_lead.id]}, "longer than 120"),
                          ({"name": "Delivery", "leads": [agent.id]}, "Choose leads among the active users"),
                          ({"name": "Delivery", "leads": ["abc"]}, "could not be coerced"),
                          ({"name": "Delivery", "leads": []}, "Lead Delivery lead(s) no other department")):
        refused = post(client, path, **data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), data
    assert department("delivery").name == "Pickup & delivery" and audits("department.edited") == []
    ok = post(client, path, name="Pickup and delivery", name_vi="Lấy hàng và giao hàng",
              leads=[delivery_lead.id, triage_lead.id])
    assert ok.status_code == 303
    changed = department("delivery")
    assert (changed.name, changed.name_vi) == ("Pickup and delivery", "Lấy hàng và giao hàng")
    assert sorted(d.code for d in user("lead.triage@demo.test").departments) == ["delivery", "triage"]
    [event] = audits("department.edited")
    assert event.target_label == "delivery" and event.actor_label == "admin@demo.test"
    assert event.before == {"name": "Pickup & delivery", "name_vi": "Lấy và giao hàng",
                            "leads": ["lead.delivery@demo.test"]}
    assert event.after == {"name": "Pickup and delivery", "name_vi": "Lấy hàng và giao hàng",
                           "leads": ["lead.delivery@demo.test", "lead.triage@demo.test"]}
    # the new lead now receives the department's breach escalations
    ticket = factories.ticket(now)
    sla_jobs.sweep(ticket.first_response_due_at + dt.timedelta(minutes=1), dt.timedelta(hours=2))
    notified = set(db.session.scalars(select(Notification.user_id).where(Notification.ticket_id == ticket.id,
                                                                         Notification.kind == "escalated")))
    assert notified == {delivery_lead.id, triage_lead.id}
    # leaving a department that is not the lead's only one is fine
    assert post(client, path, name="Pickup and delivery", leads=[delivery_lead.id]).status_code == 303
    assert [d.code for d in user("lead.triage@demo.test").departments] == ["triage"]


def test_calendar_set_in_the_admin_equals_the_cli_result(client, admin, runner):
    assert calendar(client, holidays="2027-02-12").status_code == 303
    result = runner.invoke(args=["departments", "calendar", "returns", "--business", "--holiday", "2027-02-12"])
    assert result.exit_code == 0, result.output
    from_ui, from_cli = department("finance").calendar_data, department("returns").calendar_data
    assert from_ui == from_cli and from_ui["kind"] == "business" and from_ui["holidays"] == ["2027-02-12"]
    [ui_event, cli_event] = audits("department.calendar_set")
    assert ui_event.actor_label == "admin@demo.test" and cli_event.actor_label == "cli"
    assert ui_event.before == {"kind": "24/7"} and ui_event.after == from_ui
    # a Friday-evening finance ticket waits for Saturday morning; Tết and the own holiday are closed
    ticket = factories.ticket(dt.datetime(2026, 11, 27, 18, 0, tzinfo=VN), category="finance",
                              description="Chưa nhận tiền COD")
    assert ticket.first_response_due_at.astimezone(VN) == dt.datetime(2026, 11, 28, 12, 0, tzinfo=VN)
    page = client.get("/admin/departments/finance").get_data(as_text=True)
    assert "2027-02-12" in page and "Own holiday" in page


def test_custom_hours_time_zone_and_country(client, admin):
    response = calendar(client, timezone="Asia/Bangkok", country="TH", hours_0="08:00-12:00, 13:00-17:00",
                        hours_5="", hours_6="09:00-24:00", holidays="2027-01-02\n2027-01-03")
    assert response.status_code == 303
    data = department("finance").calendar_data
    assert data["timezone"] == "Asia/Bangkok" and data["country"] == "TH"
    assert data["weekly_hours"]["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert "5" not in data["weekly_hours"] and data["weekly_hours"]["6"] == [["09:00", "24:00"]]
    assert data["holidays"] == ["2027-01-02", "2027-01-03"]
    html = client.get("/admin/departments/finance").get_data(as_text=True)
    assert 'value="08:00-12:00, 13:00-17:00"' in html and 'selected value="Asia/Bangkok"' in html
    assert post(client, "/admin/departments/finance/calendar", business="24/7").status_code == 303
    assert department("finance").calendar_json is None
    assert [e.after["kind"] for e in audits("department.calendar_set")] == ["business", "24/7"]


@pytest.mark.parametrize("fields, message", [
    ({"hours_0": "8 to 5"}, "is not a window such as 08:00-17:30"),
    ({"hours_2": "08:00-12:00, 11:00-13:00"}, "windows overlap"),
    ({"hours_3": "17:00-08:00"}, "must start before it ends"),
    ({"hours_4": "25:00-26:00"}, "has a time that does not exist"),
    ({**{f"hours_{d}": "" for d in range(7)}}, "Open at least one day, or choose 24/7."),
    ({"holidays": "tomorrow"}, "is not a date such as 2027-02-12"),
    ({"timezone": "Mars/Olympus"}, "unknown timezone"),
    ({"country": "XX"}, "no public holiday data for country"),
    ({"business": "sometimes"}, "Not a valid choice"),
    ({"hours_1": "0" * 201}, "longer than 200"),
])
def test_bad_calendars_are_refused_and_nothing_changes(client, admin, fields, message):
    response = calendar(client, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True), fields
    assert department("finance").calendar_json is None and audits("department.calendar_set") == []


def test_unknown_departments_are_not_found(client, admin):
    assert client.get("/admin/departments/moon").status_code == 404
    assert post(client, "/admin/departments/moon/calendar", business="24/7").status_code == 404
    assert post(client, "/admin/departments/moon", name="Moon").status_code == 404


def test_managers_look_agents_and_leads_are_refused(client, demo, auth):
    auth.login("manager@demo.test")
    assert client.get("/admin/departments").status_code == 200
    html = client.get("/admin/departments/finance").get_data(as_text=True)
    assert "Business calendar" in html and "Save the calendar" not in html
    token = csrf_from(client.get("/inbox").get_data(as_text=True))
    assert client.post("/admin/departments/finance/calendar", data={"csrf_token": token, "business": "24/7",
                                                                    **STANDARD_WEEK}).status_code == 403
    assert client.post("/admin/departments/finance", data={"csrf_token": token, "name": "F"}).status_code == 403
    for email in ("agent1.finance@demo.test", "lead.finance@demo.test"):
        auth.post("/logout", "/inbox")
        auth.login(email)
        assert client.get("/admin/departments").status_code == 403
        assert client.get("/admin/departments/finance").status_code == 403
    assert department("finance").name == "Finance" and db.session.query(AuditEvent).count() == 0


def test_admin_adds_a_department_checked_and_audited(client, auth, demo):
    auth.login("admin@demo.test")
    page = client.get("/admin/departments")
    token = csrf_from(page.get_data(as_text=True))
    for code, message in (("Bad Code!", "lower-case letters"), ("delivery", "already exists"), ("", "Enter a code")):
        bad = client.post("/admin/departments", data={"csrf_token": token, "code": code, "name": "X"})
        assert bad.status_code == 422 and message in bad.get_data(as_text=True), code
    no_name = client.post("/admin/departments", data={"csrf_token": token, "code": "claims", "name": ""})
    assert no_name.status_code == 422 and department("claims") is None
    ok = client.post("/admin/departments", data={"csrf_token": token, "code": "Claims", "name": "Claims",
                                                 "name_vi": "Khiếu nại bồi thường"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/admin/departments/claims")
    assert department("claims").name_vi == "Khiếu nại bồi thường"
    (event,) = audits("department.added")
    assert event.target_label == "claims" and event.before is None and event.after["name"] == "Claims"
    assert event.actor_label == "admin@demo.test"
    auth.post("/logout", "/inbox")
    auth.login("manager@demo.test")
    assert "Add a department" not in client.get("/admin/departments").get_data(as_text=True)


def test_cli_adds_a_department(runner, demo):
    result = runner.invoke(args=["departments", "add", "--code", "claims", "--name", "Claims"])
    assert result.exit_code == 0 and result.output.strip().endswith("added department claims")
    again = runner.invoke(args=["departments", "add", "--code", "claims", "--name", "Claims"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert audits("department.added")[0].actor_label == "cli"
