"""Finding sellers: by part of the code, of the name whatever its case and diacritics, or of the
phone number, a page at a time in code order."""
from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Seller

PAGE_SIZE = 50


def _fold_table() -> dict[str, str]:
    """Latin letters with diacritics (Vietnamese included) mapped to their plain lower-case letter."""
    table = {"Đ": "d", "đ": "d"}
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        for point in block:
            letter = chr(point)
            base = unicodedata.normalize("NFD", letter)[0]
            if base != letter and base.isascii() and base.isalpha():
                table[letter] = base.lower()
    return table


_FOLD = _fold_table()
_FOLD_TRANSLATION = str.maketrans(_FOLD)
# each plain letter with every accented form of it, in both cases: 'a' -> 'AaÀÁÂ…ạặ'
_SPELLINGS = {letter: "".join(sorted({letter, letter.upper(), *(k for k, v in _FOLD.items() if v == letter)}))
              for letter in string.ascii_lowercase}


def fold(text: str | None) -> str | None:
    """Lower-case text without diacritics: 'Cửa hàng Bình An' -> 'cua hang binh an'."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).translate(_FOLD_TRANSLATION).lower()


def _name_contains(query: str):
    """A condition: the seller's name contains `query`, whatever the case and diacritics of either.
    Every letter of the folded query becomes the set of its spellings, matched by the database's own
    pattern engine (a GLOB in SQLite, a regular expression in PostgreSQL): no per-row function call."""
    folded = fold(query)
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # a backslash before any other non-alphanumeric character makes it literal
        pattern = "".join(f"[{_SPELLINGS[ch]}]" if ch in _SPELLINGS else ch if ch.isalnum() else "\\" + ch
                          for ch in folded)
        return Seller.name.regexp_match(pattern)
    if dialect == "sqlite":
        pattern = "".join(f"[{_SPELLINGS[ch]}]" if ch in _SPELLINGS else f"[{ch}]" if ch in "*?[" else ch
                          for ch in folded)
        return Seller.name.op("GLOB")(f"*{pattern}*")
    return func.lower(Seller.name).contains(folded, autoescape=True)


@dataclass(frozen=True)
class SellerPage:
    sellers: list[Seller]
    next_after: str | None  # the code to continue after, when there are more


def search(query: str | None, *, after: str | None = None, limit: int = PAGE_SIZE) -> SellerPage:
    """One page of sellers in code order, after the code `after` (keyset paging: the cost of a page
    does not grow with its depth). `query` matches part of the code, of the name without regard to
    case or diacritics, or of the phone number."""
    statement = select(Seller).order_by(Seller.code).limit(limit + 1)
    if after:
        statement = statement.where(Seller.code > after)
    query = (query or "").strip()[:100]
    if query:
        matches = [func.lower(Seller.code).contains(query.lower(), autoescape=True)]
        digits = re.sub(r"[\s.\-()]", "", query)
        if re.fullmatch(r"\+?[0-9]{3,15}", digits):
            matches.append(Seller.phone.contains(digits.lstrip("+"), autoescape=True))
        matches.append(_name_contains(query))
        statement = statement.where(or_(*matches))
    rows = list(db.session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return SellerPage(rows, rows[-1].code if more else None)
