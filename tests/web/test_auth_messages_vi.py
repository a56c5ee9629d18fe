"""The log-in page's own messages in Vietnamese: the prompt to log in, a wrong password, logging out."""
import pytest

from tests.clients import FreshGClient, csrf_from


@pytest.fixture
def vi(app):
    app.test_client_class = FreshGClient
    client = app.test_client()
    client.set_cookie("lang", "vi")
    return client


def test_the_prompt_to_log_in(demo, vi):
    response = vi.get("/inbox", follow_redirects=True)
    assert "Vui lòng đăng nhập để xem trang này." in response.get_data(as_text=True)


def test_a_wrong_password_and_logging_out(demo, vi):
    form = csrf_from(vi.get("/login").get_data(as_text=True))
    wrong = vi.post("/login", data={"email": "agent1.delivery@demo.test", "password": "nope", "csrf_token": form})
    assert wrong.status_code == 401 and "Sai e-mail hoặc mật khẩu." in wrong.get_data(as_text=True)
    vi.post("/login", data={"email": "agent1.delivery@demo.test", "password": "demo-password-2026", "csrf_token": form})
    inbox = vi.get("/inbox").get_data(as_text=True)
    out = vi.post("/logout", data={"csrf_token": csrf_from(inbox)}, follow_redirects=True)
    assert "Bạn đã đăng xuất." in out.get_data(as_text=True)
