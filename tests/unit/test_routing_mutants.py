"""Routing's replay report order and the text folding cache's bound."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from routing import text
from routing.replay import ReplayReport


def report(moves: dict[tuple[str, str], int], unchanged: int = 0) -> ReplayReport:
    return ReplayReport(total=sum(moves.values()) + unchanged, moved=Counter(moves), unchanged=unchanged)


def test_replay_lines_put_the_largest_move_first_whatever_its_departments() -> None:
    lines = report({("delivery", "returns"): 1, ("returns", "finance"): 5, ("finance", "delivery"): 2}, 3).lines()
    assert lines == [
        "5 tickets would move from returns to finance",
        "2 tickets would move from finance to delivery",
        "1 ticket would move from delivery to returns",
        "3 of 11 tickets unchanged",
    ]


def test_replay_lines_order_moves_of_the_same_size_by_departments() -> None:
    moves = {("returns", "finance"): 2, ("finance", "returns"): 2, ("finance", "delivery"): 2, ("delivery", "x"): 4}
    assert report(moves, 1).lines() == [
        "4 tickets would move from delivery to x",
        "2 tickets would move from finance to delivery",
        "2 tickets would move from finance to returns",
        "2 tickets would move from returns to finance",
        "1 of 11 tickets unchanged",
    ]


def test_replay_lines_of_one_ticket_and_of_none() -> None:
    assert report({}, 1).lines() == ["1 of 1 ticket unchanged"]
    assert report({("a", "b"): 1}).lines() == ["1 ticket would move from a to b", "0 of 1 ticket unchanged"]
    assert ReplayReport().lines() == ["no tickets replayed"]


def unique_word(length: int) -> str:
    return (uuid.uuid4().hex + "Đơn" + uuid.uuid4().hex)[:length]


def cache_lookups() -> int:
    info = text._normalize_short_word.cache_info()
    return info.hits + info.misses


@pytest.mark.parametrize("length", [1, 31, 32])
def test_short_words_are_looked_up_in_the_cache(length: int) -> None:
    word = unique_word(length)
    before = cache_lookups()
    assert text.normalize_text(f"{word} {word}") == f"{text._fold(word)} {text._fold(word)}"
    assert cache_lookups() - before == 2


@pytest.mark.parametrize("length", [33, 64, 500])
def test_long_words_are_not_kept_in_the_cache(length: int) -> None:
    # a pasted blob must not hold memory: the cache's size is bounded in entries, not bytes
    word = unique_word(length) + "x" * max(0, length - 67)
    assert len(word) == length
    before = cache_lookups()
    assert text.normalize_text(f"{word} {word}") == f"{text._fold(word)} {text._fold(word)}"
    assert cache_lookups() == before
