"""sla.cells' guards: which values need the text mark, and the column pre-check that must never
let a text column through unmarked nor mark one that needs nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from sla import cells


@pytest.mark.parametrize("value", [None, 5, -3, -2.5, b"=1", ["=1"], pd.NA])
def test_needs_mark_is_false_for_what_is_not_text(value: object) -> None:
    assert cells.needs_mark(value) is False


@pytest.mark.parametrize(("text", "needed"), [
    ("=1", True),
    ("'=1", True),  # the quote already in front is looked past
    ("'''@SUM(A1)", True),
    ("'\t=1", True),
    (" =1", False),  # a space is not stripped by spreadsheets, nor here
    ("\n-1", False),
    ("=1'", True),
    ("a'", False),
    ("'", False),
    ("'quoted", False),
    ("", False),
])
def test_needs_mark_looks_past_leading_quotes_only(text: str, needed: bool) -> None:
    assert cells.needs_mark(text) is needed
    assert (cells.csv_text(text) != text) is needed


@pytest.mark.parametrize(("texts", "needed"), [
    (["'quoted", "-"], True),
    (["'quoted"], False),  # a first character that may need a mark, but this text does not
    (["'", "'plain", "x"], False),
    (["'=1"], True),
    (["plain", "x=1"], False),
    (["", "ok"], False),
    ([], False),
])
def test_any_needs_mark(texts: list[str], needed: bool) -> None:
    assert cells.any_needs_mark(texts) is needed


def test_csv_texts_leaves_a_quoted_column_that_needs_no_mark_alone() -> None:
    frame = pd.DataFrame({"note": ["'quoted", "'plain"], "n": [-1, 2]})
    assert cells.csv_texts(frame) is frame


def test_csv_texts_marks_text_keeps_numbers_and_does_not_change_its_input() -> None:
    frame = pd.DataFrame({"seller": ["'=x", "Shop", None], "n": [-1, 2, 3], "when": pd.to_datetime(["2026-03-03"] * 3)})
    out = cells.csv_texts(frame)
    assert out["seller"].tolist()[:2] == ["''=x", "Shop"]
    assert pd.isna(out["seller"].iloc[2])
    assert out["n"].tolist() == [-1, 2, 3]
    assert out["when"].equals(frame["when"])
    assert frame["seller"].tolist()[:2] == ["'=x", "Shop"]
