"""Normalisers and validators for seller-typed values, shared by the forms and the services (the
API, CSV imports); pure functions: nothing from Flask, SQLAlchemy or portal."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from vocabulary import N_

TRACKING_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,38}[A-Z0-9]$")
_TRACKING_SPLIT = re.compile(r"[\s,;]+")
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
SELLER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TRACKING_NUMBERS = 50
# a ticket's description, and a seller's reply, on the form and through the API
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 5000


class NormalizeError(ValueError):
    """A value that cannot be normalised. The message is meant for the person who typed it: an
    English text marked for the catalogue, with its placeholders' values in `params`; `str(error)`
    is the English, `error.text(gettext)` the message in the reader's language."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def text(self, translate: Callable[..., str]) -> str:
        """The message translated by `translate` (gettext's signature: the text, then the values)."""
        return translate(self.message, **self.params)


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
        raise NormalizeError(N_("Not a valid tracking number: %(numbers)s. Use 8–40 letters and digits, "
                                "e.g. NV12345678."), numbers=shown)
    if len(numbers) > MAX_TRACKING_NUMBERS:
        raise NormalizeError(N_("At most %(count)s tracking numbers per ticket."), count=MAX_TRACKING_NUMBERS)
    return numbers


def phone(raw: str | None) -> str | None:
    """A phone number without spaces, dots, dashes or brackets; None when empty."""
    value = re.sub(r"[\s.\-()]", "", raw or "")
    if not value:
        return None
    if not PHONE_RE.match(value):
        raise NormalizeError(N_("Enter a phone number of 8–15 digits, e.g. 0901234567 or +84901234567."))
    return value


def text(raw: str | None, *, max_length: int) -> str:
    """Trimmed text in NFC form. Raises NormalizeError for control characters or over-long text."""
    value = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n")).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise NormalizeError(N_("The text contains invisible control characters; please retype it."))
    if len(value) > max_length:
        raise NormalizeError(N_("Please keep this under %(limit)s characters (now %(length)s)."),
                             limit=max_length, length=len(value))
    return value


def seller_code(raw: str | None) -> str:
    value = (raw or "").strip()
    if not SELLER_CODE_RE.match(value):
        raise NormalizeError(N_("A seller code is 1–64 letters, digits, dots, dashes or underscores."))
    return value


def instant(raw: str, name: str = "event_at") -> dt.datetime:
    """An ISO 8601 instant in UTC; one without an offset is taken as UTC. ValueError for anything
    else, an instant outside the years 1–9999 in UTC included (0001-01-01T00:00+07:00); `name` is
    the field the message names."""
    value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    try:
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except OverflowError:
        raise ValueError(f"{name} {raw.strip()} is outside the years 1 to 9999 in UTC") from None
