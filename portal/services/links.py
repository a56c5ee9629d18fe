"""Seller links: signed path tokens carrying the seller and a key version."""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..models import Seller
from .errors import LinkRevoked, NotFound

_SALT = "seller-link-v1"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def link_token(seller: Seller, secret_key: str) -> str:
    """A token that identifies `seller` until the seller's links are revoked."""
    return _serializer(secret_key).dumps([seller.id, seller.link_version])


def link_url(seller: Seller, secret_key: str, base_url: str) -> str:
    """The seller's activation URL under `base_url`."""
    return f"{base_url.rstrip('/')}/s/{link_token(seller, secret_key)}"


def seller_for_token(token: str, secret_key: str) -> Seller:
    """The seller a token belongs to. Raises NotFound for a tampered or unknown token and
    LinkRevoked for a token signed with a key version the seller has since revoked."""
    try:
        payload = _serializer(secret_key).loads(token)
        seller_id, version = int(payload[0]), int(payload[1])
    except (BadSignature, TypeError, ValueError, IndexError, KeyError):
        raise NotFound("This link is not valid.") from None
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise NotFound("This link is not valid.")
    if version != seller.link_version:
        raise LinkRevoked("This link has been replaced. Please ask your account manager for your new link.")
    return seller


def revoke_links(seller: Seller) -> int:
    """Invalidate every link issued so far; returns the new key version. Commits."""
    seller.link_version = Seller.link_version + 1
    db.session.commit()
    db.session.refresh(seller)
    return seller.link_version
