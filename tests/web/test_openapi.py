"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document, generated from the views, that describes
every seller and staff operation with its schemas, its token and its errors."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from werkzeug.routing import IntegerConverter

API = "/api/v1"
JSON = "application/json"


@pytest.fixture
def document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == JSON
    return response.get_json()


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route the app serves under /api/v1."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        found |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def resolve(document, ref: str) -> dict:
    assert ref.startswith("#/components/schemas/")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["info"]["title"] and document["info"]["version"]


def test_every_api_route_is_described_and_nothing_else(app, document):
    described = {(method, path) for method, path, _ in operations(document)}
    assert described == api_routes(app)
    assert ("post", f"{API}/tickets") in described
    assert ("post", f"{API}/staff/tickets/{{reference}}/transfer") in described


CARRIER = f"{API}/shipments/events"  # the carrier's feed, with an integration token


def test_the_three_bearer_schemes_and_who_needs_which(document):
    schemes = document["components"]["securitySchemes"]
    names = ("sellerLinkToken", "staffApiToken", "integrationToken")
    assert {schemes[name]["type"] for name in names} == {"http"}
    assert {schemes[name]["scheme"] for name in names} == {"bearer"}
    for method, path, operation in operations(document):
        if path == f"{API}/openapi.json":
            assert operation.get("security") == [], path
        elif path == CARRIER:
            assert operation["security"] == [{"integrationToken": []}], (method, path)
        elif path.startswith(f"{API}/staff/"):
            assert operation["security"] == [{"staffApiToken": []}], (method, path)
        else:
            assert operation["security"] == [{"sellerLinkToken": []}], (method, path)


def test_every_operation_has_a_summary_and_answers_with_schemas(document):
    for method, path, operation in operations(document):
        assert operation["summary"] and operation["operationId"], (method, path)
        successes = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
        assert successes, (method, path)
        for code, answer in successes.items():
            if "attachments" in path:  # a file, not JSON
                assert "content" not in answer
            else:
                assert answer["content"][JSON]["schema"]["$ref"], (method, path, code)


def test_every_error_is_documented_with_the_error_shape(document):
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    detail = resolve(document, error["properties"]["error"]["$ref"])
    assert set(detail["properties"]) == {"status", "message", "fields"}
    for method, path, operation in operations(document):
        errors = {code: answer for code, answer in operation["responses"].items() if code[0] in "45"}
        if path.endswith("openapi.json"):
            assert set(errors) == {"400"}
            continue
        assert {"400", "401"} <= set(errors), (method, path)
        if "{" in path:  # a ticket or file (a seller link token that is not valid is a 401)
            assert "404" in errors, (method, path)
        if path == CARRIER:  # a batch is valid or refused as a whole (400), or too large (413)
            assert {"413", "415", "429"} <= set(errors), (method, path)
            continue
        if method == "post":
            assert {"415", "422", "429"} <= set(errors), (method, path)
        if path.startswith(f"{API}/staff/"):
            assert "429" in errors, (method, path)
        else:
            assert "410" in errors, (method, path)
        for code, answer in errors.items():
            assert answer["description"], (method, path, code)
            assert answer["content"][JSON]["schema"]["$ref"].endswith("/ErrorResponse"), (method, path, code)


def test_post_bodies_and_query_parameters_are_described(document):
    for method, path, operation in operations(document):
        if method == "post":
            body = resolve(document, operation["requestBody"]["content"][JSON]["schema"]["$ref"])
            assert body["properties"], path
    new_ticket = resolve(document, document["paths"][f"{API}/tickets"]["post"]["requestBody"]["content"][JSON]
                         ["schema"]["$ref"])
    assert set(new_ticket["required"]) == {"category", "description"}
    assert new_ticket["properties"]["category"]["enum"] == ["delivery_delay", "order_return_status", "finance",
                                                            "app_bug", "other"]
    headers = {p["name"] for p in document["paths"][f"{API}/tickets"]["post"]["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key"}
    queue = {p["name"]: p for p in document["paths"][f"{API}/staff/tickets"]["get"]["parameters"]}
    assert set(queue) == {"department", "status", "assignee", "sla", "category", "priority", "q", "limit", "after"}
    assert not any(p["required"] for p in queue.values())
    assert "all" in queue["status"]["schema"]["enum"] and queue["limit"]["schema"]["maximum"] == 100
    reference = [p for p in document["paths"][f"{API}/staff/tickets/{{reference}}"]["get"]["parameters"]
                 if p["in"] == "path"]
    assert reference == [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"},
                          "description": ""}]


def test_the_staff_ticket_schema_has_the_thread_and_history(document):
    ticket = document["components"]["schemas"]["StaffTicket"]
    assert {"messages", "events", "last_event_id", "assignee", "seller", "sla"} <= set(ticket["required"])
    message = document["components"]["schemas"]["StaffMessage"]
    assert "internal" in message["required"]


def test_the_path_parameters_match_the_routes(app, document):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or not rule.arguments:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            parameters = {p["name"]: p for p in document["paths"][path][method.lower()]["parameters"]
                          if p["in"] == "path"}
            assert set(parameters) == set(rule.arguments), path
            for name, converter in rule._converters.items():
                kind = "integer" if isinstance(converter, IntegerConverter) else "string"
                assert parameters[name]["schema"]["type"] == kind, (path, name)
