"""Every operation of /api/v1, as its own OpenAPI document describes it, fuzzed with schemathesis:
valid and invalid parameters and bodies, with a seller's and a staff member's real tokens. No
answer may be a server error, and every answer must match the schema documented for its status."""
from __future__ import annotations

import datetime as dt
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.extensions import db, limiter
from portal.models import Attachment, Department, Message, Ticket, User
from portal.services import api_tokens, integration_tokens, links, sellers, staff_actions, tickets, uploads
from portal.services.runtime import runtime
from tests.files import png

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_world(app, demo, now, monkeypatch):
    """Tokens for DEMO-001 and for a manager, and tickets (one resolved, so it can be rated) and files
    both of them can reach."""
    monkeypatch.setitem(app.config, "RATELIMIT_STAFF_API", "100000 per minute")
    limiter.reset()
    rt = runtime()
    seller = sellers.by_code("DEMO-001")
    references = []
    for category, numbers in (("delivery_delay", ("NV12345678",)), ("app_bug", ()), ("finance", ())):
        ticket, _ = tickets.create_ticket(seller, tickets.NewTicket(
            category=category, description="Đơn hàng chưa được lấy hàng từ hôm qua.", tracking_numbers=numbers,
            contact_phone=None, submission_key=None), now=now, rt=rt)
        references.append(ticket.reference)
    first = db.session.scalar(db.select(Ticket).where(Ticket.reference == references[0]))
    upload = uploads.check_upload("ảnh.png", png(), rt.upload_max_bytes)
    tickets.seller_reply(first, "Ảnh chụp đây ạ", (upload,), now=now + dt.timedelta(minutes=1), rt=rt)
    manager = db.session.scalar(db.select(User).where(User.email == "manager@demo.test"))
    staff_actions.reply(first, manager, "Internal: checking with the hub", True, now=now + dt.timedelta(minutes=2))
    resolved = db.session.scalar(db.select(Ticket).where(Ticket.reference == references[2]))
    staff_actions.change_status(resolved, manager, "resolved", now=now + dt.timedelta(minutes=3))
    staff_token, _ = api_tokens.issue(manager, "fuzzing", actor="test", now=now)
    integration_token, _ = integration_tokens.issue("fuzzing", actor="test", now=now)
    attachments = list(db.session.scalars(db.select(Attachment.id)))
    WORLD.clear()
    WORLD.update(seller_token=links.link_token(seller, app.config["SECRET_KEY"]), staff_token=staff_token,
                 integration_token=integration_token,
                 references=references, attachments=attachments,
                 departments=list(db.session.scalars(db.select(Department.code))),
                 assignees=["agent1.delivery@demo.test", "lead.delivery@demo.test", "agent1.finance@demo.test"])
    yield WORLD
    WORLD.clear()


def _document() -> dict:
    """The OpenAPI document as the app serves it (an app without a database is enough to describe it)."""
    from portal import create_app
    from portal.config import TestConfig

    app = create_app(TestConfig("sqlite://", tempfile.mkdtemp(prefix="openapi-")))
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


schema = schemathesis.openapi.from_dict(_document())
# what the running test's fixture made: the hook below draws from it while that test runs
WORLD: dict = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # mostly a ticket or file that exists, so the operations get past "not found"
    for name, known in (("reference", "references"), ("attachment_id", "attachments")):
        if path_parameters and name in path_parameters and WORLD.get(known):
            return st.sampled_from([*WORLD[known] * 3, path_parameters[name]]).map(
                lambda value, name=name: {**path_parameters, name: value})
    return st.just(path_parameters)


@schema.hook
def flatmap_body(context, body):
    # departments and colleagues are data, not an enum of the document: sometimes name real ones
    if isinstance(body, dict) and WORLD:
        for name, known in (("department", "departments"), ("assignee", "assignees")):
            if isinstance(body.get(name), str):
                return st.sampled_from([*WORLD[known], body[name]]).map(lambda value, name=name: {**body, name: value})
    return st.just(body)


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_no_operation_answers_a_server_error_or_off_schema(case, app, fuzz_world):
    path = case.operation.path
    if path.startswith("/api/v1/staff/"):
        token = fuzz_world["staff_token"]
    elif path == "/api/v1/shipments/events":
        token = fuzz_world["integration_token"]
    elif path != "/api/v1/openapi.json":
        token = fuzz_world["seller_token"]
    else:
        token = None
    headers = dict(case.headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # schemathesis asks for compressed bodies but its WSGI transport reads them undecoded: the
    # portal's compression has tests of its own (test_compression.py); here the bodies are checked
    headers["Accept-Encoding"] = "identity"
    case.headers = headers
    response = case.call(app=app)
    case.validate_response(response, checks=CHECKS)


def test_the_fuzzing_reached_real_tickets(app, fuzz_world):
    """The world the fuzzer works in is real: the tokens open the tickets it picks from."""
    client = app.test_client()
    ref = fuzz_world["references"][0]
    seller = client.get(f"/api/v1/tickets/{ref}", headers={"Authorization": f"Bearer {fuzz_world['seller_token']}"})
    staff = client.get(f"/api/v1/staff/tickets/{ref}", headers={"Authorization": f"Bearer {fuzz_world['staff_token']}"})
    assert seller.status_code == 200 and staff.status_code == 200
    assert any(m["internal"] for m in staff.get_json()["messages"])
    assert db.session.query(Message).count() >= 3
