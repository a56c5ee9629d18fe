"""Rate limits on the seller link and on login answer 429 with a clear page."""
from sqlalchemy import func, select

from portal.extensions import db, limiter
from portal.models import Ticket


def test_seller_posts_are_limited_per_link(client, app, demo, seller):
    limiter.reset()
    app.config["RATELIMIT_SELLER"] = "3 per minute"
    path = seller.link_path()
    codes = [seller.submit(path).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    page = seller.submit(path)
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    # another seller's link has its own budget
    assert seller.submit(seller.link_path("DEMO-002")).status_code == 303


def test_login_is_limited(client, app, demo, auth):
    limiter.reset()
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    codes = [auth.login(password="wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # the limit holds for the right password too: no free guesses after the budget
    assert auth.login().status_code == 429


def test_limits_apply_before_the_view_runs(client, app, demo, seller):
    """A refused post stores nothing."""
    limiter.reset()
    app.config["RATELIMIT_SELLER"] = "1 per minute"
    answers = [seller.submit(seller.link_path()) for _ in range(3)]
    assert [a.status_code for a in answers] == [303, 429, 429]
    # a redirect carries no Retry-After (a browser would be asked to wait before following it)
    assert "Retry-After" not in answers[0].headers
    assert not [name for name in answers[0].headers.keys() if name.startswith("X-RateLimit")]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1  # the demo holds no tickets
