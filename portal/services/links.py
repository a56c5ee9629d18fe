"""Seller links: signed path tokens carrying the seller and a key version."""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, select

from ..db_setup import as_loaded
from ..extensions import db
from ..models import Seller
from .errors import LinkRevoked, NotFound

_SALT = "seller-link-v1"


_sellers = Seller.__table__
_SELLER = select(_sellers).where(_sellers.c.id == bindparam("id"))


Keys = str | tuple[str, ...]  # one key, or several during a rotation: the last one signs, any one opens


@functools.lru_cache(maxsize=4)
def _serializer(secret_key: Keys) -> URLSafeSerializer:
    return URLSafeSerializer(list(secret_key) if isinstance(secret_key, tuple) else secret_key, salt=_SALT)


def link_token(seller: Seller, secret_key: Keys) -> str:
    """A token that identifies `seller` until the seller's links are revoked."""
    return _serializer(secret_key).dumps([seller.id, seller.link_version])


def link_url(seller: Seller, secret_key: Keys, base_url: str) -> str:
    """The seller's activation URL under `base_url`."""
    return f"{base_url.rstrip('/')}/s/{link_token(seller, secret_key)}"


def url_maker(secret_key: Keys, base_url: str) -> Callable[[int, int], str]:
    """A function of (seller id, key version) giving the activation URL: for many links at once."""
    serializer, prefix = _serializer(secret_key), f"{base_url.rstrip('/')}/s/"
    signer = serializer.make_signer()  # what dumps() builds on every call: built once here

    def url(seller_id: int, link_version: int) -> str:
        return prefix + signer.sign(serializer.dump_payload([seller_id, link_version])).decode("ascii")

    return url


def link_of_token(token: str, secret_key: Keys) -> tuple[int, int]:
    """The (seller id, key version) a token was signed with, checked without the database. Raises
    NotFound for a tampered or malformed token."""
    try:
        payload = _serializer(secret_key).loads(token)
        return int(payload[0]), int(payload[1])
    except (BadSignature, TypeError, ValueError, IndexError, KeyError):
        raise NotFound(_l("This link is not valid.")) from None


def seller_of_link(seller_id: int, version: int) -> Seller:
    """The seller of a checked token's (seller id, key version). Raises NotFound for a seller that
    no longer exists and LinkRevoked for a key version the seller has since revoked."""
    # every visit to a link reads its seller: one plain SELECT, not the ORM's get
    row = db.session.connection().execute(_SELLER, {"id": seller_id}).mappings().first()
    if row is None:
        raise NotFound(_l("This link is not valid."))
    seller = as_loaded(Seller, row)
    if version != seller.link_version:
        raise LinkRevoked(_l("This link has been replaced. Please ask your account manager for your new link."))
    return seller


def seller_for_token(token: str, secret_key: Keys) -> Seller:
    """The seller a token belongs to: link_of_token, then seller_of_link."""
    return seller_of_link(*link_of_token(token, secret_key))


def bump_version(seller: Seller) -> int:
    """Invalidate every link issued so far, in the caller's transaction; returns the new key version.
    The increment happens in the database, so two revocations at once both count."""
    seller.link_version = Seller.link_version + 1
    db.session.flush()
    db.session.refresh(seller)
    return seller.link_version


def revoke_links(seller: Seller) -> int:
    """Invalidate every link issued so far; returns the new key version. Commits."""
    version = bump_version(seller)
    db.session.commit()
    return version
