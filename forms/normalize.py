"""Normalisers and validators for seller-typed values; pure functions."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

TRACKING_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,38}[A-Z0-9]$")
_TRACKING_SPLIT = re.compile(r"[\s,;]+")
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
SELLER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TRACKING_NUMBERS = 50


class NormalizeError(ValueError):
    """A value that cannot be normalised; the message is meant for the person who typed it (in the
    language of the page that shows it: `str(error)` translates)."""


def tracking_numbers(raw: str | None) -> list[str]:
    """Tracking numbers split on spaces, commas, semicolons or new lines, upper-cased,
    duplicates removed in first-seen order. Raises NormalizeError naming the bad ones."""
    parts = [p.strip().upper() for p in _TRACKING_SPLIT.split(raw or "") if p.strip()]
    seen: dict[str, None] = {}
    for part in parts:
        seen.setdefault(part, None)
    numbers = list(seen)
    bad = [n for n in numbers if not TRACKING_RE.match(n)]
    if bad:
        shown = ", ".join(b[:40] for b in bad[:5])
        raise NormalizeError(_l("Not a valid tracking number: %(numbers)s. Use 8–40 letters and digits, "
                                 "e.g. NV12345678.", numbers=shown))
    if len(numbers) > MAX_TRACKING_NUMBERS:
        raise NormalizeError(_l("At most %(count)s tracking numbers per ticket.", count=MAX_TRACKING_NUMBERS))
    return numbers


def phone(raw: str | None) -> str | None:
    """A phone number without spaces, dots, dashes or brackets; None when empty."""
    value = re.sub(r"[\s.\-()]", "", raw or "")
    if not value:
        return None
    if not PHONE_RE.match(value):
        raise NormalizeError(_l("Enter a phone number of 8–15 digits, e.g. 0901234567 or +84901234567."))
    return value


def text(raw: str | None, *, max_length: int) -> str:
    """Trimmed text in NFC form. Raises NormalizeError for control characters or over-long text."""
    value = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n")).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise NormalizeError(_l("The text contains invisible control characters; please retype it."))
    if len(value) > max_length:
        raise NormalizeError(_l("Please keep this under %(limit)s characters (now %(length)s).",
                                 limit=max_length, length=len(value)))
    return value


def seller_code(raw: str | None) -> str:
    value = (raw or "").strip()
    if not SELLER_CODE_RE.match(value):
        raise NormalizeError(_l("A seller code is 1–64 letters, digits, dots, dashes or underscores."))
    return value
