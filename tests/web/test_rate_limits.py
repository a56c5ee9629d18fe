"""Rate limits on the seller link and on login answer 429 with a clear page."""
from portal.extensions import limiter


def test_seller_posts_are_limited_per_link(client, app, demo, seller):
    limiter.reset()
    app.config["RATELIMIT_SELLER"] = "3 per minute"
    path = seller.link_path()
    codes = [seller.submit(path).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    page = seller.submit(path)
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    # another seller's link has its own budget
    assert seller.submit(seller.link_path("DEMO-002")).status_code == 303


def test_login_is_limited(client, app, demo, auth):
    limiter.reset()
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    codes = [auth.login(password="wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # the limit holds for the right password too: no free guesses after the budget
    assert auth.login().status_code == 429
