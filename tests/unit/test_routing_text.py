"""normalize_text and keyword matching: case, diacritics, whitespace, word boundaries."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import find_keyword, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Đối Soát", "doi soat"),
        ("HOÀN TIỀN", "hoan tien"),
        ("hoàn tiền", "hoan tien"),
        (unicodedata.normalize("NFD", "hoàn tiền"), "hoan tien"),
        ("đ", "d"),
        ("Đ", "d"),
        ("  Phí \t ship\n\nCOD  ", "phi ship cod"),
        ("Straße", "strasse"),
        ("Late Delivery", "late delivery"),
        ("", ""),
        (" \n\t ", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("text", "keywords", "expected"),
    [
        ("Chưa nhận tiền đối soát", ["đối soát"], "đối soát"),
        ("chua nhan tien doi soat", ["đối soát"], "đối soát"),
        ("Khi nào HOÀN TIỀN?", ["hoan tien"], "hoan tien"),
        ("hoàn    tiền giúp shop", ["hoan tien"], "hoan tien"),
        ("COD: 250k", ["cod"], "cod"),
        ("tiền cod.", ["COD"], "COD"),
        ("error codes 401", ["cod"], None),
        ("mã cod123", ["cod"], None),
        ("new shirts arrived", ["rts"], None),
        ("RTS parcel", ["rts"], "rts"),
        ("login-page broken", ["login"], "login"),
        ("app crash on start", ["crash", "app crash"], "crash"),
        ("app crash on start", ["app crash", "crash"], "app crash"),
        ("nothing here", ["refund", "invoice"], None),
        ("anything", [], None),
    ],
)
def test_find_keyword(text: str, keywords: list[str], expected: str | None) -> None:
    assert find_keyword(normalize_text(text), keywords) == expected


@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_normalize_text_leaves_no_marks_or_extra_space(text: str) -> None:
    result = normalize_text(text)
    assert not any(unicodedata.combining(ch) for ch in result)
    assert "đ" not in result
    assert result == result.strip()
    assert "  " not in result


@given(st.text(min_size=1), st.sampled_from(["", "x ", "Đơn hàng "]), st.sampled_from(["", " y", " giúp shop"]))
def test_keyword_surrounded_by_spaces_is_found(keyword: str, before: str, after: str) -> None:
    if normalize_text(keyword):
        text = normalize_text(f"{before}{keyword}{after}")
        assert find_keyword(text, [keyword]) == keyword


def _normalize_whole_text(text: str) -> str:
    """The definition normalize_text implements word by word: fold the whole text, then collapse spaces."""
    folded = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(stripped.translate(str.maketrans({"đ": "d", "Đ": "d"})).split())


@given(st.text())
def test_normalize_text_word_by_word_equals_folding_the_whole_text(text: str) -> None:
    assert normalize_text(text) == _normalize_whole_text(text)


@pytest.mark.parametrize("text", ["a \u0301 b", "\u0301", "x" * 40 + "Ồ " + "Đ" * 40, "ǅ ﬁ ß\u00a0Ấ"])
def test_normalize_text_edge_words(text: str) -> None:
    assert normalize_text(text) == _normalize_whole_text(text)


@given(st.lists(st.text(min_size=1), min_size=1, max_size=8), st.text(max_size=30))
def test_find_keyword_returns_the_first_listed_keyword_that_matches(keywords: list[str], text: str) -> None:
    normalized = normalize_text(text + " " + keywords[-1])
    expected = next((k for k in keywords if find_keyword(normalized, [k]) is not None), None)
    assert find_keyword(normalized, keywords) == expected
