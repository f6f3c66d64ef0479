"""Suppression of small counts, on its own."""

from hypothesis import given
from hypothesis import strategies as st

from app.summary.disclosure import SUPPRESSED, suppress, suppress_value


def test_counts_from_one_to_four_are_suppressed_but_zero_is_not() -> None:
    assert [suppress_value(n, below=5) for n in (0, 1, 4, 5)] == [0, SUPPRESSED, SUPPRESSED, 5]


def test_a_cell_of_three_and_its_smallest_sibling_are_hidden_when_they_sum_to_a_total() -> None:
    cells = suppress({"Year 7": 3, "Year 8": 12, "Year 9": 40}, below=5, additive=True)
    # Alone, "Year 7" would be the published total minus 52.
    assert cells == {"Year 7": SUPPRESSED, "Year 8": SUPPRESSED, "Year 9": 40}


def test_overlapping_breakdowns_need_no_secondary_cells() -> None:
    cells = suppress({"medical": 3, "mental_health": 12}, below=5, additive=False)
    assert cells == {"medical": SUPPRESSED, "mental_health": 12}


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 30), min_size=1, max_size=8))
def test_no_hidden_cell_can_be_recovered_from_the_total(counts: dict[str, int]) -> None:
    cells = suppress(counts, below=5, additive=True)
    hidden = [key for key, cell in cells.items() if cell == SUPPRESSED]
    assert all(cells[k] == SUPPRESSED for k, n in counts.items() if 0 < n < 5)
    if hidden:
        # Either two or more cells share the remainder, or there was nothing left to hide.
        shown_nonzero = [k for k, cell in cells.items() if cell != SUPPRESSED and counts[k]]
        assert len(hidden) >= 2 or not shown_nonzero
