"""One rate-limit budget per seller (RATELIMIT_SELLER), shared by every POST of their link (the
form, replies, ratings, "this solves it") and of the seller API: a seller who switches between
the form and the API gets no second budget."""
from __future__ import annotations

from flask import current_app, g, request

from ..extensions import limiter


def _seller_limit() -> str:
    return current_app.config["RATELIMIT_SELLER"]


def _seller_key() -> str:
    # Both blueprints know the caller before the limiter checks: the link's views from the checked
    # token (g.link = seller id, key version), without reading the seller; the API from the seller
    # it authenticated. The key version is part of the key, so posts through a revoked link (which
    # are refused anyway) cannot spend the budget of the seller's current one.
    if g.get("link"):
        seller_id, version = g.link
    elif g.get("seller"):
        seller_id, version = g.seller.id, g.seller.link_version
    else:
        return request.remote_addr or "?"
    return f"seller:{seller_id}:{version}"


per_seller = limiter.shared_limit(_seller_limit, scope="seller", key_func=_seller_key)


def _lookup_limit() -> str:
    return current_app.config["RATELIMIT_SELLER_LOOKUP"]


# parcel status look-ups (the form's inline answer, the status page, the API's GET): a budget of their
# own, so that a seller typing tracking numbers never spends the posts' budget, yet cannot sweep the
# carrier's numbers either
per_seller_lookup = limiter.shared_limit(_lookup_limit, scope="seller-lookup", key_func=_seller_key)
