"""Hostile and malformed input on every form: never a 5xx, always a clear 4xx or a normal answer."""
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.clients import csrf_from
from tests.hostile import HOSTILE, assert_clean

ROOT = Path(__file__).resolve().parents[2]
SELLER_FIELDS = ["category", "tracking_numbers", "description", "contact_phone", "submission_key"]
TRIED = ROOT / "test-artifacts" / "hostile-cases.txt"


def tried(where: str, value: str, status: int) -> None:
    """Keep the list of cases tried (test-artifacts/hostile-cases.txt) for the record."""
    TRIED.parent.mkdir(exist_ok=True)
    with TRIED.open("a", encoding="utf-8") as f:
        f.write(f"{status}\t{where}\t{value[:60]!r}\n")


@pytest.mark.parametrize("field", SELLER_FIELDS)
def test_seller_form_hostile_values(client, demo, seller, field):
    path = seller.link_path()
    for value in HOSTILE:
        response = seller.submit(path, **{field: value})
        tried(f"POST /s/<token>/tickets {field}", value, response.status_code)
        assert_clean(response)
        assert response.status_code in (303, 400, 422), (field, value[:40])


def test_seller_urls_with_hostile_tokens_and_references(client, demo, seller):
    from urllib.parse import quote

    for value in HOSTILE:
        for url in (f"/s/{quote(value, safe='')}", f"{seller.link_path()}/tickets/{quote(value, safe='')}",
                    f"{seller.link_path()}/attachments/{quote(value, safe='')}"):
            response = client.get(url)
            tried(f"GET {url[:20]}", value, response.status_code)
            assert_clean(response)
            assert response.status_code in (200, 400, 404), (url[:60], value[:40])


def test_staff_forms_and_search_hostile_values(client, demo, auth, now):
    auth.login("lead.delivery@demo.test")
    for value in HOSTILE:
        _staff_round(client, factories.ticket(now), value)  # a fresh ticket: a transfer takes the last one away


def _staff_round(client, ticket, value):
    for params in ({"q": value}, {"status": value}, {"after": value}, {"department": value}, {"sla": value}):
        response = client.get("/inbox", query_string=params)
        tried(f"GET /inbox {list(params)[0]}", value, response.status_code)
        assert_clean(response)
    page = f"/tickets/{ticket.reference}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    for action, field in (("reply", "body"), ("assign", "assignee"), ("status", "status"),
                          ("priority", "priority"), ("transfer", "department"), ("transfer", "reason"),
                          ("merge", "into")):
        data = {"csrf_token": token, "reason": "r", "department": "finance", field: value}
        response = client.post(f"{page}/{action}", data=data)
        tried(f"POST /tickets/<ref>/{action} {field}", value, response.status_code)
        assert_clean(response)
    for params in ({"from": value}, {"to": value}, {"by": value}, {"department": value}):
        assert client.get("/reports/sla.csv", query_string=params).status_code in (400, 403)  # leads have no reports


def test_login_and_reports_hostile_values(client, demo, auth):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for value in HOSTILE:
        response = client.post("/login", data={"csrf_token": token, "email": value, "password": value})
        tried("POST /login", value, response.status_code)
        assert_clean(response)
        assert response.status_code in (400, 401, 422)
    auth.login("manager@demo.test")
    for value in HOSTILE:
        for params in ({"from": value}, {"to": value}, {"by": value}, {"department": value}):
            response = client.get("/reports/sla.csv", query_string=params)
            tried(f"GET /reports/sla.csv {list(params)[0]}", value, response.status_code)
            assert_clean(response)
            assert response.status_code in (200, 400), (params, value[:40])


def test_nul_characters_are_refused_with_a_clear_400(client, demo, seller):
    path = seller.link_path()
    for url in (f"{path}/tickets/T%00", "/inbox?q=a%00b", "/login?next=%00"):
        response = client.get(url)
        assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True), url
    response = seller.submit(path, description="hello\x00world")
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_invalid_utf8_and_nul_in_raw_bodies(client, demo, seller):
    path = seller.link_path()
    form = seller.form(path)
    body = (f"csrf_token={form['csrf_token']}&category=finance&description=".encode() + b"\xff\xfe\xfd bad \x00")
    response = client.post(f"{path}/tickets", data=body, content_type="application/x-www-form-urlencoded")
    assert_clean(response)
    assert response.status_code in (400, 422)


def test_malformed_multipart_is_a_4xx(client, demo, seller):
    path = seller.link_path()
    response = client.post(f"{path}/tickets", data=b"--XYZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb",
                           content_type="multipart/form-data; boundary=XYZ")
    assert_clean(response)
    assert 400 <= response.status_code < 500


def test_thousands_of_fields_are_refused_cleanly(client, demo, seller):
    path = seller.link_path()
    data = {**seller.form(path), **{f"f{i}": "x" for i in range(5000)}}
    response = client.post(f"{path}/tickets", data=data)
    assert_clean(response)
    assert 400 <= response.status_code < 500


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(values=st.fixed_dictionaries({f: st.text(max_size=300) for f in SELLER_FIELDS}),
       upload=st.binary(max_size=2048), name=st.text(max_size=80))
def test_seller_form_fuzz(client, demo, seller, values, upload, name):
    path = seller.link_path()
    data = {**seller.form(path), **values, "attachments": [(io.BytesIO(upload), name or "f")]}
    response = client.post(f"{path}/tickets", data=data, content_type="multipart/form-data")
    assert_clean(response)
    assert response.status_code in (303, 400, 413, 422)
