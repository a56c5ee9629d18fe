"""Rate limits on the seller link and on login answer 429 with a clear page."""
import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.config import TestConfig
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
    """The limits are the views' own (the request-wide check is skipped): a refused post stores
    nothing."""
    limiter.reset()
    app.config["RATELIMIT_SELLER"] = "1 per minute"
    answers = [seller.submit(seller.link_path()) for _ in range(3)]
    assert [a.status_code for a in answers] == [303, 429, 429]
    # a redirect carries no Retry-After (a browser would be asked to wait before following it)
    assert "Retry-After" not in answers[0].headers
    assert not [name for name in answers[0].headers.keys() if name.startswith("X-RateLimit")]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1  # the demo holds no tickets


def test_a_request_wide_limit_in_the_configuration_is_refused(tmp_path):
    config = TestConfig(f"sqlite:///{tmp_path}/unused.sqlite3", str(tmp_path / "uploads"))
    config.RATELIMIT_DEFAULT = "100 per hour"
    with pytest.raises(RuntimeError, match="RATELIMIT_DEFAULT"):
        create_app(config)


def test_no_limit_is_left_to_the_request_wide_check(app):
    """Limits on a blueprint are checked only by the request-wide check, which the portal skips
    (extensions.DecoratedLimiter): every limit must sit on its view."""
    assert not limiter.limit_manager._blueprint_limits
    assert not limiter.limit_manager._application_limits
    assert limiter.limit_manager._decorated_limits  # the views' own: seller posts, login, staff API
