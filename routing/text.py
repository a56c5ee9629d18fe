"""Text normalisation and keyword search for Vietnamese and English ticket descriptions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# 'đ' is a letter of its own in Unicode, not 'd' plus a combining mark, so NFD leaves it alone.
_LETTER_D = str.maketrans({"đ": "d", "Đ": "d"})


def normalize_text(text: str) -> str:
    """Return ``text`` casefolded, without diacritics and with whitespace collapsed.

    Diacritics are removed by decomposing to NFD and dropping combining marks; 'đ'/'Đ' become 'd'.
    Runs of whitespace become one space, with none at either end. The result is a fixed point:
    ``normalize_text(normalize_text(s)) == normalize_text(s)``.
    """
    folded = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_LETTER_D).split())


@lru_cache(maxsize=2048)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(normalize_text(keyword)) + r"(?!\w)")


def find_keyword(normalized_text: str, keywords: Iterable[str]) -> str | None:
    """Return the first of ``keywords`` found in ``normalized_text`` as a whole word or phrase, else None.

    ``normalized_text`` must already be the output of :func:`normalize_text`; each keyword is
    normalised the same way, so matching ignores case and diacritics ("hoan tien" finds "hoàn tiền"
    and the other way round). Matches respect word boundaries: "cod" is not found inside "codes".
    The keyword is returned exactly as given, for use in explanations.
    """
    for keyword in keywords:
        if _keyword_pattern(keyword).search(normalized_text):
            return keyword
    return None
