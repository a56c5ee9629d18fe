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
    # word by word, so the words every ticket repeats are folded once per process (routing and
    # back-tests normalise every description they see)
    return " ".join(filter(None, map(_normalize_word, text.split())))


def _normalize_word(word: str) -> str:
    return _normalize_short_word(word) if len(word) <= _CACHED_WORD_LENGTH else _fold(word)


_CACHED_WORD_LENGTH = 32


@lru_cache(maxsize=65536)
def _normalize_short_word(word: str) -> str:
    return _fold(word)


def _fold(word: str) -> str:
    folded = unicodedata.normalize("NFD", word.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_LETTER_D)


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
    keywords = tuple(keywords)
    # one combined search rejects most texts at once; only a hit needs the per-keyword loop for list order
    if not keywords or not _any_keyword_pattern(keywords).search(normalized_text):
        return None
    for keyword in keywords:
        if _keyword_pattern(keyword).search(normalized_text):
            return keyword
    return None


@lru_cache(maxsize=1024)
def _any_keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(normalize_text(keyword)) for keyword in keywords)
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)")
