"""The seller JSON API (/api/v1): a seller app with only its link token."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.extensions import db, limiter
from portal.models import Ticket, User
from portal.services import links, sellers, staff_actions, tickets, uploads
from portal.services.runtime import runtime
from tests.files import png

API = "/api/v1"
TICKET = {"category": "delivery_delay", "tracking_numbers": ["nv12345678"],
          "description": "Đơn hàng chưa được lấy hàng từ hôm qua."}


@pytest.fixture(autouse=True)
def _api_registered(app):
    assert "api" in app.blueprints, "register portal.api.views.bp in create_app"


def token_for(app, code: str = "DEMO-001") -> str:
    return links.link_token(sellers.by_code(code), app.config["SECRET_KEY"])


class ApiClient:
    """A seller app: JSON in and out, its link token as the bearer token."""

    def __init__(self, client, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self, headers: dict | None) -> dict:
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**auth, **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get(API + path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, body=None, headers: dict | None = None, **kwargs):
        if "data" not in kwargs:
            kwargs["json"] = body
        return self.client.post(API + path, headers=self._headers(headers), **kwargs)

    def create(self, headers: dict | None = None, **fields):
        return self.post("/tickets", {**TICKET, **fields}, headers=headers)


@pytest.fixture
def api(client, app, demo):
    return ApiClient(client, token_for(app))


@pytest.fixture
def other_api(client, app, demo):
    return ApiClient(client, token_for(app, "DEMO-002"))


def ticket_row(reference: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


def ticket_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def agent(email: str = "agent1.delivery@demo.test") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"]
    if field:
        assert error["fields"][field] and all(isinstance(m, str) and m for m in error["fields"][field])
    return error


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, f"{value} has no offset"
    return parsed


# --- the whole loop -------------------------------------------------------------------------------

def test_seller_app_opens_polls_reads_staff_reply_and_rates_with_only_the_api(api, now):
    # open a ticket and get the promised response time
    created = api.create(contact_phone="0901 234 567")
    assert created.status_code == 201
    body = created.get_json()
    reference = body["reference"]
    assert created.headers["Location"].endswith(f"{API}/tickets/{reference}")
    assert body["department"] == "delivery" and body["status"] == "new" and body["category"] == "delivery_delay"
    assert body["priority"] in ("normal", "high", "urgent") and body["routing_explanation"]
    assert body["tracking_numbers"] == ["NV12345678"] and body["contact_phone"] == "0901234567"
    opened, due = parse_time(body["created_at"]), parse_time(body["first_response_due_at"])
    assert opened - now < dt.timedelta(minutes=1) and due - opened == dt.timedelta(hours=4)
    assert body["sla"]["state"] == "on_track" and body["sla"]["first_responded_at"] is None

    # poll: the seller's own message, no answer yet
    polled = api.get(f"/tickets/{reference}")
    assert polled.status_code == 200
    ticket = polled.get_json()
    assert ticket["reference"] == reference and ticket["status"] == "new"
    assert [(m["author"], m["body"]) for m in ticket["messages"]] == [("seller", TICKET["description"])]
    assert ticket["messages"][0]["author_name"] == sellers.by_code("DEMO-001").name
    listed = api.get("/tickets").get_json()
    assert [t["reference"] for t in listed["tickets"]] == [reference] and listed["next"] is None

    # an agent answers
    staff = agent()
    replied_at = now + dt.timedelta(minutes=30)
    staff_actions.reply(ticket_row(reference), staff, "Chúng tôi đã liên hệ bưu cục, hôm nay sẽ lấy hàng.", False,
                        now=replied_at)
    ticket = api.get(f"/tickets/{reference}").get_json()
    assert ticket["status"] == "open"
    staff_message = ticket["messages"][-1]
    assert staff_message["author"] == "staff" and staff_message["author_name"] == staff.name
    assert staff_message["body"] == "Chúng tôi đã liên hệ bưu cục, hôm nay sẽ lấy hàng."
    assert staff_message["attachments"] == []
    assert parse_time(ticket["sla"]["first_responded_at"]) == replied_at.replace(microsecond=0)
    assert ticket["sla"]["state"] == "met"

    # rating before resolution is refused; after it, accepted once
    assert_error(api.post(f"/tickets/{reference}/rating", {"score": 5}), 409)
    staff_actions.change_status(ticket_row(reference), staff, "resolved", now=replied_at + dt.timedelta(minutes=5))
    assert api.get(f"/tickets/{reference}").get_json()["status"] == "resolved"
    rated = api.post(f"/tickets/{reference}/rating", {"score": 5, "comment": "  Nhanh, cảm ơn!  "})
    assert rated.status_code == 201
    assert rated.get_json()["score"] == 5 and rated.get_json()["comment"] == "Nhanh, cảm ơn!"
    assert api.get(f"/tickets/{reference}").get_json()["rating"]["score"] == 5
    assert_error(api.post(f"/tickets/{reference}/rating", {"score": 1}), 409)
    row = ticket_row(reference)
    assert row.csat_score == 5 and row.csat_comment == "Nhanh, cảm ơn!"


def test_seller_reply_through_the_api_reopens_a_resolved_ticket(api, now):
    reference = api.create().get_json()["reference"]
    staff = agent()
    staff_actions.reply(ticket_row(reference), staff, "Đã xử lý.", False, now=now)
    staff_actions.change_status(ticket_row(reference), staff, "resolved", now=now)
    response = api.post(f"/tickets/{reference}/replies", {"body": "Vẫn chưa nhận được hàng."})
    assert response.status_code == 201
    assert response.get_json()["author"] == "seller" and response.get_json()["body"] == "Vẫn chưa nhận được hàng."
    assert response.headers["Location"].endswith(f"{API}/tickets/{reference}")
    ticket = api.get(f"/tickets/{reference}").get_json()
    assert ticket["status"] == "open" and ticket["messages"][-1]["body"] == "Vẫn chưa nhận được hàng."


def test_reply_to_a_closed_ticket_is_a_conflict(api, now):
    reference = api.create().get_json()["reference"]
    staff_actions.change_status(ticket_row(reference), agent(), "closed", now=now)
    assert_error(api.post(f"/tickets/{reference}/replies", {"body": "Còn đó không?"}), 409)
    assert len(api.get(f"/tickets/{reference}").get_json()["messages"]) == 1


# --- idempotency ----------------------------------------------------------------------------------

def test_same_idempotency_key_gives_one_ticket(api):
    first = api.create(headers={"Idempotency-Key": "order-42_retry"})
    again = api.create(headers={"Idempotency-Key": "order-42_retry"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.get_json() == first.get_json()
    assert ticket_count() == 1


def test_different_idempotency_keys_or_none_give_separate_tickets(api):
    references = {api.create(headers={"Idempotency-Key": "key-1"}).get_json()["reference"],
                  api.create(headers={"Idempotency-Key": "key-2"}).get_json()["reference"],
                  api.create().get_json()["reference"], api.create().get_json()["reference"]}
    assert len(references) == 4 and ticket_count() == 4


def test_idempotency_keys_are_per_seller(api, other_api):
    mine = api.create(headers={"Idempotency-Key": "same"})
    theirs = other_api.create(headers={"Idempotency-Key": "same"})
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["reference"] != theirs.get_json()["reference"]


def test_idempotency_key_reused_for_another_ticket_is_refused(api):
    assert api.create(headers={"Idempotency-Key": "k1"}).status_code == 201
    assert_error(api.create(headers={"Idempotency-Key": "k1"}, description="Một vấn đề hoàn toàn khác."), 422,
                 "Idempotency-Key")
    assert ticket_count() == 1


@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "k*y", "a/b", "k.y"])
def test_malformed_idempotency_key_is_a_bad_request(api, key):
    assert_error(api.create(headers={"Idempotency-Key": key}), 400, "Idempotency-Key")
    assert ticket_count() == 0


# --- validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "field"), [
    ({"category": None}, "category"),
    ({"category": ""}, "category"),
    ({"category": "refund_please"}, "category"),
    ({"tracking_numbers": []}, "tracking_numbers"),
    ({"tracking_numbers": None, "category": "order_return_status"}, "tracking_numbers"),
    ({"tracking_numbers": ["NV1"]}, "tracking_numbers"),
    ({"tracking_numbers": ["NV12345678", "bad number!"]}, "tracking_numbers"),
    ({"tracking_numbers": [f"NV{i:08d}" for i in range(51)]}, "tracking_numbers"),
    ({"description": ""}, "description"),
    ({"description": "   "}, "description"),
    ({"description": "abc"}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"description": "Hello\x00world"}, "description"),
    ({"contact_phone": "12"}, "contact_phone"),
    ({"contact_phone": "call me maybe"}, "contact_phone"),
])
def test_each_invalid_field_is_named(api, fields, field):
    body = {**TICKET, **fields}
    if fields.get("category") is None and "category" in fields:
        body.pop("category")
    if "tracking_numbers" in fields and fields["tracking_numbers"] is None:
        body.pop("tracking_numbers")
    error = assert_error(api.post("/tickets", body), 422, field)
    assert list(error["fields"]) == [field]
    assert ticket_count() == 0


def test_missing_description_and_several_errors_are_reported_together(api):
    error = assert_error(api.post("/tickets", {"category": "order_return_status", "contact_phone": "1"}), 422)
    assert set(error["fields"]) == {"tracking_numbers", "description", "contact_phone"}


def test_valid_variants_are_normalised(api):
    body = api.create(category="app_bug", tracking_numbers=[], contact_phone=None,
                      description="  Ứng dụng bị treo khi in vận đơn.  ").get_json()
    assert body["department"] == "apps" and body["tracking_numbers"] == []
    assert body["description"] == "Ứng dụng bị treo khi in vận đơn."
    assert body["contact_phone"] == sellers.by_code("DEMO-001").phone
    body = api.create(tracking_numbers=["nv12345678", "NV12345678", " nv87654321 "]).get_json()
    assert body["tracking_numbers"] == ["NV12345678", "NV87654321"]


@pytest.mark.parametrize("body", [
    {**TICKET, "tracking_numbers": "NV12345678"},
    {**TICKET, "tracking_numbers": ["NV12345678", 7]},
    {**TICKET, "category": 3},
    {**TICKET, "description": ["Đơn hàng chưa được lấy"]},
    {**TICKET, "description": None},
    {**TICKET, "contact_phone": 901234567},
])
def test_wrong_types_are_a_bad_request(api, body):
    assert_error(api.post("/tickets", body), 400)
    assert ticket_count() == 0


@pytest.mark.parametrize("raw", ['["a list"]', '"text"', "42", "null", "{not json", ""])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(api, raw):
    assert_error(api.post("/tickets", data=raw, content_type="application/json"), 400)
    assert ticket_count() == 0


def test_a_body_that_is_not_json_is_unsupported(api):
    assert_error(api.post("/tickets", data=TICKET), 415)  # form-encoded
    assert_error(api.post("/tickets", data="category=finance", content_type="text/plain"), 415)
    assert ticket_count() == 0


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"score": 0}, 422, "score"), ({"score": 6}, 422, "score"), ({}, 422, "score"),
    ({"score": "5"}, 400, "score"), ({"score": True}, 400, "score"), ({"score": 4.5}, 400, "score"),
    ({"score": 4, "comment": "x" * 2001}, 422, "comment"), ({"score": 4, "comment": 5}, 400, "comment"),
])
def test_rating_validation(api, now, body, status, field):
    reference = api.create().get_json()["reference"]
    staff_actions.change_status(ticket_row(reference), agent(), "resolved", now=now)
    assert_error(api.post(f"/tickets/{reference}/rating", body), status, field)
    assert ticket_row(reference).csat_score is None


@pytest.mark.parametrize(("body", "status"), [({}, 422), ({"body": "  "}, 422), ({"body": "x" * 5001}, 422),
                                              ({"body": 12}, 400), ({"body": None}, 400)])
def test_reply_validation(api, body, status):
    reference = api.create().get_json()["reference"]
    assert_error(api.post(f"/tickets/{reference}/replies", body), status, "body")
    assert len(api.get(f"/tickets/{reference}").get_json()["messages"]) == 1


# --- authentication -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token abc"])
def test_missing_or_garbled_authorization_is_401(client, demo, header):
    headers = {} if header is None else {"Authorization": header}
    for response in (client.get(f"{API}/tickets", headers=headers),
                     client.post(f"{API}/tickets", json=TICKET, headers=headers)):
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert ticket_count() == 0


def test_tampered_or_unknown_token_is_401(client, app, demo):
    token = token_for(app)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    unknown = links._serializer(app.config["SECRET_KEY"]).dumps([987654, 1])
    foreign = links._serializer("another-secret").dumps([sellers.by_code("DEMO-001").id, 1])
    for bad in (tampered, unknown, foreign, "not-a-token"):
        for response in (ApiClient(client, bad).get("/tickets"), ApiClient(client, bad).create()):
            assert_error(response, 401)
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="seller-api", error="invalid_token"'
    assert ticket_count() == 0


def test_revoked_token_is_410_and_the_new_one_works(client, app, demo):
    old = ApiClient(client, token_for(app))
    reference = old.create().get_json()["reference"]
    links.revoke_links(sellers.by_code("DEMO-001"))
    assert_error(old.get("/tickets"), 410)
    assert_error(old.get(f"/tickets/{reference}"), 410)
    assert_error(old.create(), 410)
    new = ApiClient(client, token_for(app))
    assert new.get(f"/tickets/{reference}").status_code == 200
    assert ticket_count() == 1


def test_no_csrf_token_or_cookie_is_needed(app, demo):
    fresh = ApiClient(app.test_client(), token_for(app))
    assert fresh.create().status_code == 201


# --- what a seller may see ------------------------------------------------------------------------

def test_internal_notes_never_reach_the_api(api, now):
    reference = api.create().get_json()["reference"]
    staff = agent()
    staff_actions.reply(ticket_row(reference), staff, "SECRET: seller is on the watch list", True,
                        now=now + dt.timedelta(minutes=1))
    staff_actions.reply(ticket_row(reference), staff, "Đã nhận, đang kiểm tra.", False,
                        now=now + dt.timedelta(minutes=2))
    for response in (api.get(f"/tickets/{reference}"), api.get("/tickets")):
        assert response.status_code == 200 and "SECRET" not in response.get_data(as_text=True)
    messages = api.get(f"/tickets/{reference}").get_json()["messages"]
    assert [m["author"] for m in messages] == ["seller", "staff"]


def test_another_sellers_ticket_is_not_found(api, other_api, now):
    theirs = other_api.create().get_json()["reference"]
    assert_error(api.get(f"/tickets/{theirs}"), 404)
    assert_error(api.post(f"/tickets/{theirs}/replies", {"body": "Xin chào"}), 404)
    staff_actions.change_status(ticket_row(theirs), agent(), "resolved", now=now)
    assert_error(api.post(f"/tickets/{theirs}/rating", {"score": 1}), 404)
    assert_error(api.get("/tickets/T-0000-0000"), 404)
    assert api.get("/tickets").get_json()["tickets"] == []
    row = ticket_row(theirs)
    assert row.csat_score is None and len(other_api.get(f"/tickets/{theirs}").get_json()["messages"]) == 1


def test_unknown_api_paths_and_methods_answer_json(api):
    assert_error(api.get("/nothing-here"), 404)
    assert_error(api.client.get(f"{API}/nothing-here"), 404)
    assert_error(api.client.get("/api/v2/tickets"), 404)
    assert_error(api.client.delete(f"{API}/tickets"), 405)
    assert_error(api.client.put(f"{API}/tickets/T-0000-0001", json={}), 405)


# --- the list -------------------------------------------------------------------------------------

def test_list_is_newest_first_with_cursor_pages(api, other_api):
    references = [api.create(description=f"Vấn đề số {i} của shop").get_json()["reference"] for i in range(5)]
    other_api.create()
    # same second for all: the order still holds by creation
    seen, cursor, pages = [], None, 0
    while True:
        response = api.get("/tickets", query_string={"limit": 2, **({"before": cursor} if cursor else {})})
        assert response.status_code == 200
        page = response.get_json()
        assert len(page["tickets"]) <= 2
        seen += [t["reference"] for t in page["tickets"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == list(reversed(references)) and pages == 3
    first = api.get("/tickets").get_json()["tickets"][0]
    assert {"reference", "department", "status", "first_response_due_at", "created_at"} <= set(first)
    assert "messages" not in first


def test_list_orders_by_creation_time_not_id(api, now):
    older, newer = (api.create().get_json()["reference"] for _ in range(2))
    row = ticket_row(newer)
    row.created_at = now - dt.timedelta(days=2)
    db.session.commit()
    page = api.get("/tickets", query_string={"limit": 1}).get_json()
    assert [t["reference"] for t in page["tickets"]] == [older]
    page = api.get("/tickets", query_string={"limit": 1, "before": page["next"]}).get_json()
    assert [t["reference"] for t in page["tickets"]] == [newer] and page["next"] is None


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"limit": -1},
                                   {"before": "garbage!"}, {"before": "dDo5OTk5OTk"}])
def test_bad_list_parameters_are_a_bad_request(api, query):
    api.create()
    error = assert_error(api.get("/tickets", query_string=query), 400)
    assert set(error["fields"]) == set(query)


def test_another_sellers_cursor_is_refused(api, other_api):
    other_api.create()
    other_api.create()
    cursor = other_api.get("/tickets", query_string={"limit": 1}).get_json()["next"]
    assert cursor
    assert_error(api.get("/tickets", query_string={"before": cursor}), 400, "before")


def test_limit_defaults_to_20_and_caps_at_100(api):
    for _ in range(21):
        api.create()
    page = api.get("/tickets").get_json()
    assert len(page["tickets"]) == 20 and page["next"]
    assert len(api.get("/tickets", query_string={"limit": 100}).get_json()["tickets"]) == 21


# --- rate limit -----------------------------------------------------------------------------------

def test_writes_are_rate_limited_per_seller(api, other_api, app):
    limiter.reset()
    app.config["RATELIMIT_SELLER"] = "3 per minute"
    try:
        codes = [api.create().status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        assert_error(api.create(), 429)
        assert ticket_count() == 3
        # reading is not limited, and another seller has a budget of their own
        assert api.get("/tickets").status_code == 200
        assert other_api.create().status_code == 201
    finally:
        limiter.reset()


def test_attachments_are_listed_and_downloadable_by_their_seller_only(api, other_api, now):
    reference = api.create().get_json()["reference"]
    rt = runtime()
    upload = uploads.check_upload("ảnh chụp.png", png(), rt.upload_max_bytes)
    tickets.seller_reply(ticket_row(reference), "Ảnh chụp đây ạ", (upload,), now=now + dt.timedelta(minutes=1), rt=rt)
    attachment = api.get(f"/tickets/{reference}").get_json()["messages"][-1]["attachments"][0]
    assert attachment["size"] == len(png()) and attachment["content_type"] == "image/png"
    assert attachment["filename"].endswith(".png")
    assert attachment["url"].startswith(f"{API}/attachments/")
    path = attachment["url"][len(API):]
    download = api.get(path)
    assert download.status_code == 200 and download.data == png()
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert_error(other_api.get(path), 404)
    assert_error(api.get("/attachments/999999"), 404)
