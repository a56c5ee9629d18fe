"""Sellers: add, update and bulk import."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from forms import normalize

from ..extensions import db
from ..models import Seller
from .errors import Conflict, InvalidInput

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
            errors[key] = [str(exc)]
    if "name" in values and not values["name"]:
        errors["name"] = ["A seller needs a name."]
    chosen = (locale or "vi").strip().lower()
    if chosen not in LOCALES:
        errors["locale"] = ["Locale is vi or en."]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
    return SellerData(values["code"], values["name"], values["phone"], chosen)


def add_seller(data: SellerData) -> Seller:
    """Create a seller, committed. Conflict when the code is taken."""
    if db.session.scalar(select(Seller.id).where(Seller.code == data.code)):
        raise Conflict(f"Seller {data.code} already exists.")
    seller = Seller(code=data.code, name=data.name, phone=data.phone, locale=data.locale)
    db.session.add(seller)
    db.session.commit()
    return seller


def by_code(code: str) -> Seller | None:
    return db.session.scalar(select(Seller).where(Seller.code == code))


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def summary(self) -> str:
        return f"added={self.added} updated={self.updated} unchanged={self.unchanged} rejected={len(self.rejected)}"


def import_sellers(text: str) -> ImportReport:
    """Add or update sellers from CSV text with columns code,name[,phone][,locale]. Valid rows are
    committed together; each bad row is rejected with its line number and reason."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = {h.strip().lower() for h in reader.fieldnames or []}
    if not {"code", "name"} <= headers:
        raise InvalidInput("The CSV needs a header row with at least the columns code and name.")
    report = ImportReport()
    seen: set[str] = set()
    existing = {s.code: s for s in db.session.scalars(select(Seller))}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str) or v is None}
        try:
            data = clean_seller(row.get("code"), row.get("name"), row.get("phone"), row.get("locale") or None)
        except InvalidInput as exc:
            report.rejected.append((line, exc.message))
            continue
        if data.code in seen:
            report.rejected.append((line, f"code {data.code} appears twice in the file"))
            continue
        seen.add(data.code)
        seller = existing.get(data.code)
        if seller is None:
            db.session.add(Seller(code=data.code, name=data.name, phone=data.phone, locale=data.locale))
            report.added += 1
        elif (seller.name, seller.phone, seller.locale) != (data.name, data.phone, data.locale):
            seller.name, seller.phone, seller.locale = data.name, data.phone, data.locale
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.commit()
    return report
