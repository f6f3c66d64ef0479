"""Medians from counts: the dashboard's median hours come from how many children have each."""

from collections import Counter
from decimal import Decimal
from statistics import median

from hypothesis import given
from hypothesis import strategies as st

from app.summary.service import weighted_median


@given(st.lists(st.decimals(min_value=0, max_value=25, places=2), min_size=1, max_size=60))
def test_the_median_of_counted_values_is_the_median_of_the_values(hours: list[Decimal]) -> None:
    assert weighted_median(Counter(hours).items()) == median(hours)


def test_no_values_no_median() -> None:
    assert weighted_median([]) is None
