"""The staff JSON API (/api/v1/staff/…) with personal API tokens, beside the seller API; and the admin
page that issues and revokes the tokens."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.extensions import db, limiter
from portal.models import ApiToken, AuditEvent, Event, Ticket, User
from portal.services import api_tokens, links, sellers, staff, tickets, uploads
from portal.services.runtime import runtime
from tests.clients import csrf_from
from tests.files import png

API = "/api/v1"
TICKET = {"category": "delivery_delay", "tracking_numbers": ["nv12345678"],
          "description": "Đơn hàng chưa được lấy hàng từ hôm qua."}


class JsonClient:
    """An integration: JSON in and out, a bearer token."""

    def __init__(self, client, token: str | None, prefix: str) -> None:
        self.client, self.token, self.prefix = client, token, prefix

    def _headers(self, headers: dict | None) -> dict:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get(self.prefix + path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, body=None, headers: dict | None = None, **kwargs):
        if "data" not in kwargs:
            kwargs["json"] = body
        return self.client.post(self.prefix + path, headers=self._headers(headers), **kwargs)


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def staff_token(email: str, name: str = "integration") -> str:
    raw, _row = api_tokens.issue(user(email), name, actor="test", now=dt.datetime.now(dt.UTC))
    return raw


@pytest.fixture(autouse=True)
def _generous_staff_limit(app, monkeypatch):
    # the limiter's memory outlives a test; only the rate-limit test lowers the budget
    monkeypatch.setitem(app.config, "RATELIMIT_STAFF_API", "10000 per minute")


@pytest.fixture
def seller_api(client, app, demo):
    return JsonClient(client, links.link_token(sellers.by_code("DEMO-001"), app.config["SECRET_KEY"]), API)


@pytest.fixture
def agent_api(client, demo):
    """agent1 of the delivery department."""
    return JsonClient(client, staff_token("agent1.delivery@demo.test"), f"{API}/staff")


@pytest.fixture
def manager_api(client, demo):
    return JsonClient(client, staff_token("manager@demo.test"), f"{API}/staff")


def open_ticket(seller_api, **fields) -> str:
    response = seller_api.post("/tickets", {**TICKET, **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["reference"]


def ticket_row(reference: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"] and isinstance(error["fields"], dict)
    if field:
        assert error["fields"][field] and all(isinstance(m, str) and m for m in error["fields"][field])
    return error


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, f"{value} has no offset"
    return parsed


# --- the issue's "done when" ----------------------------------------------------------------------

def test_a_seller_app_and_a_staff_integration_resolve_a_ticket_with_only_the_api(seller_api, agent_api, now):
    # the seller app opens a ticket and is promised a response time
    created = seller_api.post("/tickets", TICKET, headers={"Idempotency-Key": "order-1001"})
    assert created.status_code == 201
    reference, promised = created.get_json()["reference"], created.get_json()["first_response_due_at"]
    assert parse_time(promised) - parse_time(created.get_json()["created_at"]) == dt.timedelta(hours=4)

    # it polls: nobody has answered yet
    polled = seller_api.get(f"/tickets/{reference}").get_json()
    assert polled["status"] == "new" and [m["author"] for m in polled["messages"]] == ["seller"]

    # the staff integration finds it in the delivery queue, reads it and claims it
    queue = agent_api.get("/tickets").get_json()
    assert [t["reference"] for t in queue["tickets"]] == [reference]
    assert queue["tickets"][0]["first_response_due_at"] == promised and queue["tickets"][0]["sla_state"] == "on_track"
    assert agent_api.get(f"/tickets/{reference}").get_json()["description"] == TICKET["description"]
    claimed = agent_api.post(f"/tickets/{reference}/assign", {"assignee": "agent1.delivery@demo.test"})
    assert claimed.status_code == 200 and claimed.get_json()["assignee"]["email"] == "agent1.delivery@demo.test"

    # an internal note, then the answer
    note = agent_api.post(f"/tickets/{reference}/replies", {"body": "Hub Bắc Ninh confirms a missed pickup.",
                                                            "internal": True})
    assert note.status_code == 201 and note.get_json()["internal"] is True
    answer = agent_api.post(f"/tickets/{reference}/replies",
                            {"body": "Chúng tôi đã liên hệ bưu cục, hôm nay sẽ lấy hàng."})
    assert answer.status_code == 201 and answer.get_json()["ticket_status"] == "open"
    assert answer.headers["Location"].endswith(f"{API}/staff/tickets/{reference}")

    # the seller app reads the staff reply (never the note) and the first response is on time
    polled = seller_api.get(f"/tickets/{reference}").get_json()
    assert polled["status"] == "open" and polled["sla"]["state"] == "met"
    assert [(m["author"], m["body"]) for m in polled["messages"]] == [
        ("seller", TICKET["description"]), ("staff", "Chúng tôi đã liên hệ bưu cục, hôm nay sẽ lấy hàng.")]
    assert polled["messages"][1]["author_name"] == "Agent 1 Delivery"
    assert "Hub Bắc Ninh" not in seller_api.get(f"/tickets/{reference}").get_data(as_text=True)

    # staff resolve it; the seller rates the answer
    resolved = agent_api.post(f"/tickets/{reference}/status", {"status": "resolved", "reason": "carrier_delay"})
    assert resolved.get_json()["status"] == "resolved"
    rated = seller_api.post(f"/tickets/{reference}/rating", {"score": 5, "comment": "Nhanh, cảm ơn!"})
    assert rated.status_code == 201 and rated.get_json()["score"] == 5
    staff_view = agent_api.get(f"/tickets/{reference}").get_json()
    assert staff_view["rating"]["score"] == 5 and staff_view["status"] == "resolved"
    assert [e["kind"] for e in staff_view["events"]][-1] == "rated"
    row = ticket_row(reference)
    assert row.first_responded_at is not None and row.first_responded_at <= row.first_response_due_at


# --- authentication -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token pst_x"])
def test_missing_or_garbled_authorization_is_401(client, demo, header):
    headers = {} if header is None else {"Authorization": header}
    for response in (client.get(f"{API}/staff/tickets", headers=headers),
                     client.post(f"{API}/staff/tickets/T-0000-0001/replies", json={"body": "x"}, headers=headers)):
        assert_error(response, 401)
        # no bearer token at all: a challenge without an error code; one with a space: not a token
        error = ', error="invalid_token"' if header == "Bearer a b" else ""
        assert response.headers["WWW-Authenticate"] == f'Bearer realm="staff-api"{error}'


def test_unknown_revoked_and_deactivated_tokens_are_401(client, demo, now):
    good = staff_token("agent1.delivery@demo.test")
    assert JsonClient(client, good, f"{API}/staff").get("/tickets").status_code == 200
    for bad in ("pst_" + "A" * 43, good[:-1], "nope", "pst_" + "x" * 300):
        assert_error(JsonClient(client, bad, f"{API}/staff").get("/tickets"), 401)

    revoked_raw, revoked = api_tokens.issue(user("agent2.delivery@demo.test"), "old sync", actor="test", now=now)
    api_tokens.revoke(revoked.id, actor="test", now=now)
    assert_error(JsonClient(client, revoked_raw, f"{API}/staff").get("/tickets"), 401)

    staff.set_active(user("agent1.delivery@demo.test").id, False, actor="test", now=now)
    assert_error(JsonClient(client, good, f"{API}/staff").get("/tickets"), 401)
    staff.set_active(user("agent1.delivery@demo.test").id, True, actor="test", now=now)
    assert JsonClient(client, good, f"{API}/staff").get("/tickets").status_code == 200


def test_seller_and_staff_tokens_do_not_cross(client, app, seller_api, agent_api):
    reference = open_ticket(seller_api)
    as_staff = JsonClient(client, seller_api.token, f"{API}/staff")
    assert_error(as_staff.get("/tickets"), 401)
    assert_error(as_staff.get(f"/tickets/{reference}"), 401)
    # a staff token is no seller link: the seller API answers as for any link token that is not valid
    as_seller = JsonClient(client, agent_api.token, API)
    assert_error(as_seller.get("/tickets"), 401)
    assert_error(as_seller.get(f"/tickets/{reference}"), 401)
    assert_error(as_seller.post("/tickets", TICKET), 401)


def test_the_document_needs_no_token_and_the_rest_of_the_api_does(client, demo):
    assert client.get(f"{API}/openapi.json").status_code == 200
    assert_error(client.get(f"{API}/tickets"), 401)
    assert_error(client.get(f"{API}/staff/tickets"), 401)


def test_no_csrf_token_or_cookie_is_needed(app, demo, seller_api):
    reference = open_ticket(seller_api)
    fresh = JsonClient(app.test_client(), staff_token("agent1.delivery@demo.test"), f"{API}/staff")
    assert fresh.post(f"/tickets/{reference}/replies", {"body": "Đã nhận."}).status_code == 201


# --- who sees what --------------------------------------------------------------------------------

def test_agents_reach_only_their_departments_tickets(client, seller_api, agent_api, manager_api, now):
    delivery = open_ticket(seller_api)
    apps = open_ticket(seller_api, category="app_bug", tracking_numbers=[],
                       description="Ứng dụng bị treo khi in vận đơn.")
    assert [t["reference"] for t in agent_api.get("/tickets").get_json()["tickets"]] == [delivery]
    assert {t["reference"] for t in manager_api.get("/tickets").get_json()["tickets"]} == {delivery, apps}
    assert agent_api.get("/tickets", query_string={"department": "apps"}).get_json()["tickets"] == []
    refused = [agent_api.get(f"/tickets/{apps}"),
               agent_api.post(f"/tickets/{apps}/replies", {"body": "Xin chào"}),
               agent_api.post(f"/tickets/{apps}/assign", {"assignee": None}),
               agent_api.post(f"/tickets/{apps}/transfer", {"department": "delivery", "reason": "mine now"}),
               agent_api.post(f"/tickets/{apps}/status", {"status": "closed"}),
               agent_api.post(f"/tickets/{apps}/priority", {"priority": "urgent"}),
               agent_api.get("/tickets/T-0000-0000")]
    for response in refused:
        assert_error(response, 404)
    row = ticket_row(apps)
    assert (row.status, row.priority, row.department.code) == ("new", "normal", "apps")
    assert db.session.scalar(select(func.count(Event.id)).where(Event.ticket_id == row.id,
                                                                Event.actor_user_id.is_not(None))) == 0


def test_a_lead_works_the_queue_of_their_department(client, seller_api, demo):
    lead = JsonClient(client, staff_token("lead.apps@demo.test"), f"{API}/staff")
    apps = open_ticket(seller_api, category="app_bug", tracking_numbers=[],
                       description="Ứng dụng bị treo khi in vận đơn.")
    open_ticket(seller_api)
    assert [t["reference"] for t in lead.get("/tickets").get_json()["tickets"]] == [apps]
    assert lead.post(f"/tickets/{apps}/assign", {"assignee": "agent2.apps@demo.test"}).status_code == 200


def test_the_ticket_shows_staff_everything(seller_api, agent_api, now):
    reference = open_ticket(seller_api, contact_phone="0901 234 567")
    rt = runtime()
    upload = uploads.check_upload("ảnh.png", png(), rt.upload_max_bytes)
    tickets.seller_reply(ticket_row(reference), "Ảnh chụp đây ạ", (upload,), now=dt.datetime.now(dt.UTC), rt=rt)
    agent_api.post(f"/tickets/{reference}/replies", {"body": "Checking with the hub", "internal": True})
    body = agent_api.get(f"/tickets/{reference}").get_json()
    assert body["seller"] == {"code": "DEMO-001", "name": sellers.by_code("DEMO-001").name,
                              "phone": sellers.by_code("DEMO-001").phone}
    assert body["contact_phone"] == "0901234567" and body["routing_explanation"]
    assert [(m["author"], m["internal"]) for m in body["messages"]] == [
        ("seller", False), ("seller", False), ("staff", True)]
    note = body["messages"][-1]
    assert note["author_email"] == "agent1.delivery@demo.test" and note["body"] == "Checking with the hub"
    kinds = [e["kind"] for e in body["events"]]
    assert kinds[0] == "created" and "note_added" in kinds
    assert body["last_event_id"] == body["events"][-1]["id"]
    assert all(parse_time(e["created_at"]) for e in body["events"])
    # the seller's file, downloadable with the staff token
    attachment = body["messages"][1]["attachments"][0]
    assert attachment["url"].startswith(f"{API}/staff/attachments/")
    download = agent_api.client.get(attachment["url"], headers={"Authorization": f"Bearer {agent_api.token}"})
    assert download.status_code == 200 and download.data == png()


def test_files_of_other_departments_are_not_found(client, seller_api, agent_api, manager_api, now):
    reference = open_ticket(seller_api, category="app_bug", tracking_numbers=[],
                            description="Ứng dụng bị treo khi in vận đơn.")
    rt = runtime()
    upload = uploads.check_upload("ảnh.png", png(), rt.upload_max_bytes)
    tickets.seller_reply(ticket_row(reference), "Ảnh", (upload,), now=dt.datetime.now(dt.UTC), rt=rt)
    url = manager_api.get(f"/tickets/{reference}").get_json()["messages"][-1]["attachments"][0]["url"]
    path = url[len(f"{API}/staff"):]
    assert manager_api.get(path).status_code == 200
    assert_error(agent_api.get(path), 404)
    assert_error(agent_api.get("/attachments/999999"), 404)


# --- the queue ------------------------------------------------------------------------------------

def test_the_queue_filters_like_the_inbox(seller_api, agent_api, manager_api, now):
    first = open_ticket(seller_api, tracking_numbers=["NV11111111"])
    second = open_ticket(seller_api, tracking_numbers=["NV22222222"])
    finance = open_ticket(seller_api, category="finance", tracking_numbers=[],
                          description="Chưa nhận được tiền đối soát COD tuần trước.")
    # new tickets go to the least loaded agent: make the assignments known
    agent_api.post(f"/tickets/{first}/assign", {"assignee": None})
    agent_api.post(f"/tickets/{second}/assign", {"assignee": "agent1.delivery@demo.test"})
    agent_api.post(f"/tickets/{second}/priority", {"priority": "urgent"})

    def refs(api, **query):
        response = api.get("/tickets", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [t["reference"] for t in response.get_json()["tickets"]]

    assert refs(agent_api) == [first, second]
    assert refs(agent_api, assignee="mine") == [second]
    assert refs(agent_api, assignee="unassigned") == [first]
    assert refs(agent_api, priority="urgent") == [second]
    assert refs(agent_api, q="nv22222222") == [second]
    assert refs(agent_api, q=first) == [first]
    assert refs(agent_api, q="DEMO-001") == [first, second]
    assert refs(agent_api, sla="on_track") == [first, second] and refs(agent_api, sla="breached") == []
    assert refs(manager_api, department="finance") == [finance]
    assert refs(manager_api, category="finance") == [finance]
    agent_api.post(f"/tickets/{first}/status", {"status": "resolved", "reason": "carrier_delay"})
    assert refs(agent_api) == [second]
    assert refs(agent_api, status="resolved") == [first]
    assert refs(agent_api, status="all") == [first, second]
    summary = agent_api.get("/tickets").get_json()["tickets"][0]
    assert summary["assignee"] == {"email": "agent1.delivery@demo.test", "name": "Agent 1 Delivery"}
    assert summary["seller"]["code"] == "DEMO-001" and summary["url"] == f"{API}/staff/tickets/{second}"


def test_the_queue_pages_by_due_time_with_a_cursor(seller_api, agent_api, now):
    references = [open_ticket(seller_api, description=f"Vấn đề số {i} của shop") for i in range(5)]
    # due times out of creation order: the queue follows the due time
    for offset, reference in zip((3, 1, 4, 0, 2), references, strict=True):
        ticket_row(reference).first_response_due_at = now + dt.timedelta(hours=offset)
        db.session.commit()
    expected = [references[i] for i in (3, 1, 4, 0, 2)]
    seen, url, pages = [], f"{API}/staff/tickets?limit=2&q=DEMO-001", 0
    while url:
        response = agent_api.client.get(url, headers={"Authorization": f"Bearer {agent_api.token}"})
        assert response.status_code == 200
        page = response.get_json()
        seen += [t["reference"] for t in page["tickets"]]
        pages += 1
        url = page["next_url"]
        assert (page["next"] is None) == (url is None)
        if url:
            assert "q=DEMO-001" in url and "limit=2" in url
    assert seen == expected and pages == 3
    page = agent_api.get("/tickets", query_string={"limit": 2}).get_json()
    assert [t["reference"] for t in agent_api.get("/tickets", query_string={"after": page["next"]})
            .get_json()["tickets"]] == expected[2:]


@pytest.mark.parametrize(("query", "named"), [
    ({"status": "pending"}, {"status"}), ({"assignee": "someone"}, {"assignee"}), ({"sla": "late"}, {"sla"}),
    ({"category": "refund"}, {"category"}), ({"priority": "asap"}, {"priority"}),
    ({"department": "nowhere"}, {"department"}), ({"limit": 0}, {"limit"}), ({"limit": 101}, {"limit"}),
    ({"limit": "ten"}, {"limit"}), ({"after": "garbage!"}, {"after"}), ({"after": "dDo5OTk5OTk"}, {"after"}),
    ({"q": "x" * 201}, {"q"}), ({"status": "open", "priority": "asap", "limit": -1}, {"priority", "limit"}),
])
def test_bad_queue_parameters_are_a_bad_request_naming_them(agent_api, query, named):
    error = assert_error(agent_api.get("/tickets", query_string=query), 400)
    assert set(error["fields"]) == named


@pytest.mark.parametrize("cursor_text", ["9999-12-31T23:59:59-14:00|1", "0001-01-01T00:00:00+14:00|1",
                                         "2026-01-01T00:00:00+00:00|99999999999", "2026-01-01|-1",
                                         "2026-01-01T00:00:00|١٢"])
def test_forged_cursors_are_refused_not_a_server_error(agent_api, cursor_text):
    import base64

    forged = base64.urlsafe_b64encode(cursor_text.encode()).decode().rstrip("=")
    assert_error(agent_api.get("/tickets", query_string={"after": forged}), 400, "after")


# --- actions --------------------------------------------------------------------------------------

def test_public_reply_stops_the_clock_and_a_note_does_not(seller_api, agent_api):
    reference = open_ticket(seller_api)
    note = agent_api.post(f"/tickets/{reference}/replies", {"body": "  Seller called twice  ", "internal": True})
    assert note.status_code == 201 and note.get_json()["body"] == "Seller called twice"
    row = ticket_row(reference)
    assert row.first_responded_at is None and row.status == "new"
    reply = agent_api.post(f"/tickets/{reference}/replies", {"body": "Đã nhận.", "internal": False})
    assert reply.status_code == 201
    body = reply.get_json()
    assert body["author"] == "staff" and body["internal"] is False and body["ticket_status"] == "open"
    assert ticket_row(reference).first_responded_at is not None


def test_a_reply_can_wait_for_the_seller_or_resolve_with_a_reason_in_one_step(seller_api, agent_api):
    reference = open_ticket(seller_api)
    waiting = agent_api.post(f"/tickets/{reference}/replies", {"body": "Anh gửi giúp ảnh vận đơn.",
                                                               "status": "waiting_on_seller"})
    assert waiting.status_code == 201 and waiting.get_json()["ticket_status"] == "waiting_on_seller"
    assert ticket_row(reference).first_responded_at is not None
    no_reason = agent_api.post(f"/tickets/{reference}/replies", {"body": "Đã xong.", "status": "resolved"})
    assert_error(no_reason, 422)
    assert len(agent_api.get(f"/tickets/{reference}").get_json()["messages"]) == 2  # nothing half-saved
    done = agent_api.post(f"/tickets/{reference}/replies", {"body": "Đã giao lại, anh kiểm tra nhé.",
                                                            "status": "resolved", "reason": "carrier_delay"})
    assert done.status_code == 201 and done.get_json()["ticket_status"] == "resolved"
    row = ticket_row(reference)
    assert row.status == "resolved" and row.resolution_reason == "carrier_delay"
    note = agent_api.post(f"/tickets/{reference}/replies", {"body": "ghi chú", "internal": True, "status": "open"})
    assert_error(note, 422, "status")


def test_a_reply_crossing_someone_elses_is_a_conflict_until_sent_knowingly(seller_api, agent_api, client, now):
    reference = open_ticket(seller_api)
    seen = agent_api.get(f"/tickets/{reference}").get_json()["last_event_id"]
    colleague = JsonClient(client, staff_token("agent2.delivery@demo.test"), f"{API}/staff")
    assert colleague.post(f"/tickets/{reference}/replies", {"body": "Đã nhận, đang kiểm tra."}).status_code == 201
    crossing = agent_api.post(f"/tickets/{reference}/replies", {"body": "Chúng tôi đang xử lý.",
                                                                "seen_event_id": seen})
    assert "Agent 2 Delivery" in assert_error(crossing, 409)["message"]
    seen = agent_api.get(f"/tickets/{reference}").get_json()["last_event_id"]
    assert agent_api.post(f"/tickets/{reference}/replies", {"body": "Chúng tôi đang xử lý.",
                                                            "seen_event_id": seen}).status_code == 201
    messages = agent_api.get(f"/tickets/{reference}").get_json()["messages"]
    assert [m["body"] for m in messages][1:] == ["Đã nhận, đang kiểm tra.", "Chúng tôi đang xử lý."]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "body"), ({"body": "   "}, 422, "body"), ({"body": "x" * 10001}, 422, "body"),
    ({"body": "a\x00b"}, 422, "body"), ({"body": 12}, 400, "body"), ({"body": None}, 400, "body"),
    ({"body": "ok", "internal": "yes"}, 400, "internal"), ({"body": "ok", "internal": 1}, 400, "internal"),
    ({"body": "ok", "seen_event_id": "3"}, 400, "seen_event_id"),
    ({"body": "ok", "seen_event_id": -1}, 422, "seen_event_id"),
    ({"body": "ok", "seen_event_id": 2**40}, 422, "seen_event_id"),
    ({"body": "ok", "status": "finished"}, 422, "status"), ({"body": "ok", "status": 3}, 400, "status"),
    ({"body": "ok", "status": "resolved", "reason": "x" * 200}, 422, "reason"),
    ({"body": "ok", "reason": 5}, 400, "reason"),
])
def test_reply_validation(seller_api, agent_api, body, status, field):
    reference = open_ticket(seller_api)
    assert_error(agent_api.post(f"/tickets/{reference}/replies", body), status, field)
    assert len(agent_api.get(f"/tickets/{reference}").get_json()["messages"]) == 1


def test_a_public_reply_to_a_closed_ticket_is_a_conflict_but_a_note_is_not(seller_api, agent_api):
    reference = open_ticket(seller_api)
    assert agent_api.post(f"/tickets/{reference}/status", {"status": "closed"}).status_code == 200
    assert_error(agent_api.post(f"/tickets/{reference}/replies", {"body": "Còn đó không?"}), 409)
    assert agent_api.post(f"/tickets/{reference}/replies", {"body": "closed by phone", "internal": True}
                          ).status_code == 201


def test_assign_and_unassign(seller_api, agent_api):
    reference = open_ticket(seller_api)
    assigned = agent_api.post(f"/tickets/{reference}/assign", {"assignee": " Agent2.Delivery@demo.test "})
    assert assigned.status_code == 200 and assigned.get_json()["assignee"]["email"] == "agent2.delivery@demo.test"
    assert assigned.headers["Location"].endswith(f"/staff/tickets/{reference}")
    assert ticket_row(reference).assignee.email == "agent2.delivery@demo.test"
    for unassign in ({"assignee": None}, {"assignee": ""}):
        response = agent_api.post(f"/tickets/{reference}/assign", unassign)
        assert response.status_code == 200 and response.get_json()["assignee"] is None
    assert ticket_row(reference).assignee_id is None


@pytest.mark.parametrize(("body", "status"), [
    ({"assignee": "nobody@demo.test"}, 422), ({"assignee": "agent1.finance@demo.test"}, 422), ({}, 422),
    ({"assignee": "a\x00@demo.test"}, 422), ({"assignee": 5}, 400), ({"assignee": ["x"]}, 400),
])
def test_assign_validation(seller_api, agent_api, body, status):
    reference = open_ticket(seller_api)
    before = ticket_row(reference).assignee_id
    assert_error(agent_api.post(f"/tickets/{reference}/assign", body), status, "assignee")
    assert ticket_row(reference).assignee_id == before


def test_transfer_moves_the_ticket_out_of_the_agents_reach(seller_api, agent_api, now):
    reference = open_ticket(seller_api)
    due = ticket_row(reference).first_response_due_at
    agent_api.post(f"/tickets/{reference}/assign", {"assignee": "agent1.delivery@demo.test"})
    moved = agent_api.post(f"/tickets/{reference}/transfer", {"department": "returns",
                                                              "reason": "Đây là đơn hoàn, không phải giao hàng."})
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["department"] == "returns" and body["assignee"] is None
    row = ticket_row(reference)
    assert row.department.code == "returns" and row.first_response_due_at == due
    assert_error(agent_api.get(f"/tickets/{reference}"), 404)
    event = db.session.scalar(select(Event).where(Event.ticket_id == row.id, Event.kind == "transferred"))
    assert event.data["reason"] == "Đây là đơn hoàn, không phải giao hàng." and event.actor_label == "Agent 1 Delivery"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"department": "nowhere", "reason": "x"}, 422, "department"),
    ({"department": "delivery", "reason": "x"}, 422, "department"),
    ({"department": "returns"}, 422, "reason"), ({"department": "returns", "reason": "  "}, 422, "reason"),
    ({"department": "returns", "reason": "x" * 2001}, 422, "reason"), ({"reason": "x"}, 422, "department"),
    ({"department": "ret\x00urns", "reason": "x"}, 422, "department"),
    ({"department": 3, "reason": "x"}, 400, "department"), ({"department": "returns", "reason": None}, 400, "reason"),
])
def test_transfer_validation(seller_api, agent_api, body, status, field):
    reference = open_ticket(seller_api)
    assert_error(agent_api.post(f"/tickets/{reference}/transfer", body), status, field)
    assert ticket_row(reference).department.code == "delivery"


def test_status_follows_the_allowed_transitions(seller_api, agent_api):
    reference = open_ticket(seller_api)
    for status in ("waiting_on_seller", "open", "resolved", "open", "closed"):
        response = agent_api.post(f"/tickets/{reference}/status",
                                  {"status": status, **({"reason": "other"} if status == "resolved" else {})})
        assert response.status_code == 200 and response.get_json()["status"] == status
    assert "cannot" in assert_error(agent_api.post(f"/tickets/{reference}/status", {"status": "open"}), 409)[
        "message"]
    assert ticket_row(reference).status == "closed"


def test_priority_changes(seller_api, agent_api):
    reference = open_ticket(seller_api)
    response = agent_api.post(f"/tickets/{reference}/priority", {"priority": "urgent"})
    assert response.status_code == 200 and response.get_json()["priority"] == "urgent"
    assert ticket_row(reference).priority == "urgent"


@pytest.mark.parametrize(("path", "body", "status", "field"), [
    ("status", {"status": "done"}, 422, "status"), ("status", {}, 422, "status"),
    ("status", {"status": 1}, 400, "status"), ("priority", {"priority": "asap"}, 422, "priority"),
    ("priority", {"priority": None}, 400, "priority"), ("priority", {}, 422, "priority"),
])
def test_status_and_priority_validation(seller_api, agent_api, path, body, status, field):
    reference = open_ticket(seller_api)
    assert_error(agent_api.post(f"/tickets/{reference}/{path}", body), status, field)
    row = ticket_row(reference)
    assert (row.status, row.priority) == ("new", "normal")


@pytest.mark.parametrize("raw", ['["a list"]', '"text"', "42", "null", "{not json", "", "[" * 50000 + "]" * 50000])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(seller_api, agent_api, raw):
    reference = open_ticket(seller_api)
    assert_error(agent_api.post(f"/tickets/{reference}/replies", data=raw, content_type="application/json"), 400)
    assert_error(seller_api.post(f"/tickets/{reference}/replies", data=raw, content_type="application/json"), 400)
    assert len(agent_api.get(f"/tickets/{reference}").get_json()["messages"]) == 1


def test_unpaired_surrogates_are_refused_not_a_server_error(seller_api, agent_api):
    reference = open_ticket(seller_api)
    for body in ('{"body": "\\ud800 hello"}', '{"body": "hi", "\\udfff": 1}'):
        assert_error(agent_api.post(f"/tickets/{reference}/replies", data=body, content_type="application/json"), 400)
    raw = '{"category": "app_bug", "description": "Ứng dụng bị treo \\ud83d khi in."}'
    assert_error(seller_api.post("/tickets", data=raw, content_type="application/json"), 400)
    # a proper pair is an ordinary character
    paired = '{"body": "Cảm ơn \\ud83d\\ude00"}'
    response = agent_api.post(f"/tickets/{reference}/replies", data=paired, content_type="application/json")
    assert response.status_code == 201 and response.get_json()["body"] == "Cảm ơn 😀"


def test_a_body_that_is_not_json_is_unsupported(seller_api, agent_api):
    reference = open_ticket(seller_api)
    assert_error(agent_api.post(f"/tickets/{reference}/replies", data={"body": "x"}), 415)
    assert_error(agent_api.post(f"/tickets/{reference}/status", data="status=open", content_type="text/plain"), 415)


def test_unknown_staff_paths_and_methods_answer_json(agent_api):
    # refused by the router, before any blueprint: the portal's JSON error, without `fields`
    for response, status in ((agent_api.get("/nothing-here"), 404),
                             (agent_api.client.delete(f"{API}/staff/tickets"), 405),
                             (agent_api.client.put(f"{API}/staff/tickets/T-0000-0001/status", json={}), 405)):
        assert response.status_code == status and response.get_json()["error"]["status"] == status


# --- rate limit -----------------------------------------------------------------------------------

def test_each_token_has_its_own_budget(client, app, seller_api, agent_api, monkeypatch):
    reference = open_ticket(seller_api)
    limiter.reset()
    monkeypatch.setitem(app.config, "RATELIMIT_STAFF_API", "3 per minute")
    try:
        codes = [agent_api.get("/tickets").status_code,
                 agent_api.post(f"/tickets/{reference}/priority", {"priority": "high"}).status_code,
                 agent_api.get(f"/tickets/{reference}").status_code,
                 agent_api.post(f"/tickets/{reference}/priority", {"priority": "urgent"}).status_code]
        assert codes == [200, 200, 200, 429]
        error = assert_error(agent_api.get("/tickets"), 429)
        assert error["fields"] == {}
        assert ticket_row(reference).priority == "high"
        # another token, even of the same person, counts on its own; the seller API is not affected
        second = JsonClient(client, staff_token("agent1.delivery@demo.test", "second"), f"{API}/staff")
        assert second.get("/tickets").status_code == 200
        assert seller_api.get(f"/tickets/{reference}").status_code == 200
    finally:
        limiter.reset()


# --- the admin page -------------------------------------------------------------------------------

def test_an_admin_issues_a_token_that_is_shown_once_and_works(client, auth, demo):
    auth.login("admin@demo.test")
    page = client.get("/admin/api-tokens")
    assert page.status_code == 200 and "No API tokens yet." in page.get_data(as_text=True)
    response = client.post("/admin/api-tokens", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "user": "agent1.delivery@demo.test",
        "name": "ERP sync"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    row = db.session.scalar(select(ApiToken))
    shown = html.split('<code class="secret">')[1].split("</code>")[0]
    assert shown.startswith("pst_") and shown.startswith(row.prefix) and row.token_hash == api_tokens.token_hash(shown)
    assert (row.name, row.user.email, row.created_by) == ("ERP sync", "agent1.delivery@demo.test", "admin@demo.test")
    assert JsonClient(client, shown, f"{API}/staff").get("/tickets").status_code == 200
    # listed afterwards by its prefix only, with its last use
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert row.prefix in listing and shown not in listing and "ERP sync" in listing
    assert 'value="ERP sync"' not in html  # the form starts blank again
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_an_admin_revokes_a_token(client, auth, demo, now):
    raw, row = api_tokens.issue(user("agent1.delivery@demo.test"), "bot", actor="test", now=now)
    auth.login("admin@demo.test")
    response = auth.post(f"/admin/api-tokens/{row.id}/revoke", "/admin/api-tokens")
    assert response.status_code == 303
    assert "revoked" in client.get("/admin/api-tokens").get_data(as_text=True)
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    assert_error(JsonClient(client, raw, f"{API}/staff").get("/tickets"), 401)
    again = auth.post(f"/admin/api-tokens/{row.id}/revoke", "/admin/api-tokens")
    assert again.status_code == 409 and "already revoked" in again.get_data(as_text=True)
    assert auth.post("/admin/api-tokens/999999/revoke", "/admin/api-tokens").status_code == 404
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_kind == "api_token")
                                      .order_by(AuditEvent.id)))
    assert actions == ["api_token.issued", "api_token.revoked"]


@pytest.mark.parametrize(("fields", "field_text"), [
    ({"user": "", "name": "ERP"}, "Choose whose token it is."),
    ({"user": "agent1.delivery@demo.test", "name": ""}, "Say what the token is for."),
    ({"user": "agent1.delivery@demo.test", "name": "x" * 121}, "120"),
    ({"user": "ghost@demo.test", "name": "ERP"}, "Not a valid choice"),
])
def test_the_issue_form_refuses_what_it_cannot_use(client, auth, demo, fields, field_text):
    auth.login("admin@demo.test")
    response = auth.post("/admin/api-tokens", "/admin/api-tokens", **fields)
    assert response.status_code == 422 and field_text in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_managers_look_and_agents_are_refused(client, auth, demo, now):
    api_tokens.issue(user("agent1.delivery@demo.test"), "bot", actor="test", now=now)
    auth.login("manager@demo.test")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "bot" in page and 'action="/admin/api-tokens"' not in page and "Revoke</button>" not in page
    assert auth.post("/admin/api-tokens", "/admin/api-tokens", user="manager@demo.test", name="x").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/inbox").get_data(as_text=True))})
    auth.login("agent1.delivery@demo.test")
    assert client.get("/admin/api-tokens").status_code == 403
