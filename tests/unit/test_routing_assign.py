"""pick_least_loaded: fewest open tickets, lowest id on a tie, None when nobody is on duty."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import pick_least_loaded


@pytest.mark.parametrize(
    ("open_counts", "expected"),
    [
        ({}, None),
        ({7: 4}, 7),
        ({1: 3, 2: 1, 3: 5}, 2),
        ({9: 0, 3: 0, 5: 0}, 3),
        ({4: 2, 2: 2, 8: 1}, 8),
        ({1: 0, 2: 5}, 1),
    ],
)
def test_pick_least_loaded(open_counts: dict[int, int], expected: int | None) -> None:
    assert pick_least_loaded(open_counts) == expected


@given(st.dictionaries(st.integers(), st.integers(min_value=0), min_size=1))
def test_picked_agent_has_the_minimum_load_and_lowest_id_among_ties(open_counts: dict[int, int]) -> None:
    picked = pick_least_loaded(open_counts)
    assert picked is not None
    lowest = min(open_counts.values())
    assert open_counts[picked] == lowest
    assert picked == min(agent for agent, count in open_counts.items() if count == lowest)
