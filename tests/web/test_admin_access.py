"""Every /admin URL: admins change, managers only look, agents and leads are refused, strangers log in."""
import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from tests.clients import csrf_from

ROLES = {"anonymous": None, "agent": "agent1.delivery@demo.test", "lead": "lead.delivery@demo.test",
         "manager": "manager@demo.test", "admin": "admin@demo.test"}


def admin_rules(app):
    """(method, url) of every admin route, with 1 for numbers, a listed value for choices, "x" otherwise."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values[name] = 1
            elif isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_the_admin_console_has_its_sections(app):
    urls = {url for _, url in admin_rules(app)}
    assert {"/admin/", "/admin/audit", "/admin/canned", "/admin/webhooks"} <= urls


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_for_every_role(client, demo, auth, role):
    email = ROLES[role]
    if email:
        assert auth.login(email).status_code == 303
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for method, url in admin_rules(client.application):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
        elif role in ("agent", "lead"):
            assert response.status_code == 403, (method, url)
        elif role == "manager" and method != "GET":
            assert response.status_code == 403, (method, url)
        else:  # admins anywhere, managers reading: never refused, never a server error
            assert response.status_code not in (401, 403) and response.status_code < 500, \
                (role, method, url, response.status_code)
