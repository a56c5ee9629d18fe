"""Sellers: add and edit them, revoke their links. Every change is recorded in the audit trail.
Finding them is seller_search; bulk import seller_import; export with links seller_export."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import normalize

from ..extensions import db
from ..models import Seller, User
from . import audit, links
from .errors import InvalidInput, NotFound

LOCALES = ("vi", "en")


@dataclass(frozen=True)
class SellerData:
    code: str
    name: str
    phone: str | None = None
    locale: str = "vi"


def clean_seller(code: str | None, name: str | None, phone: str | None, locale: str | None) -> SellerData:
    """Validated, normalised seller fields. Raises InvalidInput with every field's problem."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}
    for key, fn in (("code", normalize.seller_code), ("phone", normalize.phone),
                    ("name", lambda v: normalize.text(v, max_length=200))):
        try:
            values[key] = fn({"code": code, "phone": phone, "name": name}[key])
        except normalize.NormalizeError as exc:
            errors[key] = [exc.text(_)]
    if "name" in values and not values["name"]:
        errors["name"] = [_l("A seller needs a name.")]
    chosen = (locale or "vi").strip().lower()
    if chosen not in LOCALES:
        errors["locale"] = [_l("Locale is vi or en.")]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    return SellerData(values["code"], values["name"], values["phone"], chosen)


def snapshot(seller: Seller) -> dict:
    """The fields an edit or an import compares and the audit trail records."""
    return {"code": seller.code, "name": seller.name, "phone": seller.phone, "locale": seller.locale}


def _taken(code: str) -> InvalidInput:
    message = _l("Seller %(code)s already exists.", code=code)
    return InvalidInput(message, {"code": [message]})


def _commit_or_taken(code: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same code was added by someone else a moment ago
        db.session.rollback()
        raise _taken(code) from None


def add_seller(data: SellerData, *, now: dt.datetime, actor: User | None = None,
               actor_label: str | None = None) -> Seller:
    """Create a seller and record `seller.added`, committed together. InvalidInput when the code is taken."""
    if db.session.scalar(select(Seller.id).where(Seller.code == data.code)):
        raise _taken(data.code)
    seller = Seller(**asdict(data), created_at=now, updated_at=now)
    db.session.add(seller)
    audit.record("seller.added", "seller", data.code, before=None, after=asdict(data), now=now, actor=actor,
                 actor_label=actor_label)
    _commit_or_taken(data.code)
    return seller


def get(seller_id: int) -> Seller:
    """The seller with this id; NotFound otherwise."""
    seller = db.session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(_l("No such seller."))
    return seller


def edit_seller(seller_id: int, data: SellerData, *, now: dt.datetime, actor: User | None = None,
                actor_label: str | None = None) -> bool:
    """Replace a seller's code, name, phone and locale and record `seller.edited`; False when nothing
    differed (then nothing is recorded). Links stay valid: they carry the seller's id, not the code."""
    seller = get(seller_id)
    before, after = snapshot(seller), asdict(data)
    if before == after:
        return False
    if data.code != seller.code and db.session.scalar(select(Seller.id).where(Seller.code == data.code)):
        raise _taken(data.code)
    seller.code, seller.name, seller.phone, seller.locale = data.code, data.name, data.phone, data.locale
    seller.updated_at = now
    audit.record("seller.edited", "seller", data.code, before=before, after=after, now=now, actor=actor,
                 actor_label=actor_label)
    _commit_or_taken(data.code)
    return True


def _new_link_version(seller: Seller, action: str, now: dt.datetime, actor: User | None,
                      actor_label: str | None) -> int:
    before = seller.link_version
    version = links.bump_version(seller)
    audit.record(action, "seller", seller.code, before={"link_version": before}, after={"link_version": version},
                 now=now, actor=actor, actor_label=actor_label)
    db.session.commit()
    return version


def revoke_links(seller: Seller, *, now: dt.datetime, actor: User | None = None,
                 actor_label: str | None = None) -> int:
    """Invalidate every link issued so far (they then answer 410) and record `seller.link_revoked`.
    Returns the new key version; the next link issued carries it. Commits."""
    return _new_link_version(seller, "seller.link_revoked", now, actor, actor_label)


def rotate_link(seller: Seller, *, now: dt.datetime, actor: User | None = None,
                actor_label: str | None = None) -> int:
    """Replace the seller's link: old links stop working and a new one is handed out at once.
    Records `seller.link_rotated`; returns the new key version. Commits."""
    return _new_link_version(seller, "seller.link_rotated", now, actor, actor_label)


def by_code(code: str) -> Seller | None:
    return db.session.scalar(select(Seller).where(Seller.code == code))


def count() -> int:
    """How many sellers there are."""
    return db.session.scalar(select(func.count(Seller.id))) or 0
