"""Disclosure control for published aggregates: small counts are suppressed.

Counts from 1 to 4 (below the LA's ``suppression_below`` setting) become ``"c"``, the marker
DfE statistics use. Where cells add up to a published total, one suppressed cell could be
recovered by subtraction, so further cells (smallest first) are suppressed until at least two
are hidden and the hidden cells together reach the threshold.
"""

from collections.abc import Mapping
from enum import StrEnum


class Suppressed(StrEnum):
    """The marker published in place of a count small enough to identify a child."""

    c = "c"


SUPPRESSED = Suppressed.c
# A one-member enum, not a JSON Schema `const`, so that generated clients can parse it.
Cell = int | Suppressed


def is_small(count: int, *, below: int) -> bool:
    """A count that could identify a child (zero identifies no one)."""
    return 0 < count < below


def suppress(counts: Mapping[str, int], *, below: int, additive: bool) -> dict[str, Cell]:
    """The cells with small counts suppressed; ``additive`` cells sum to a published total."""
    hidden = {key for key, count in counts.items() if is_small(count, below=below)}
    if additive:
        candidates = sorted(
            (count, key) for key, count in counts.items() if count and key not in hidden
        )
        while hidden and (len(hidden) < 2 or sum(counts[k] for k in hidden) < below) and candidates:
            hidden.add(candidates.pop(0)[1])
    return {key: SUPPRESSED if key in hidden else count for key, count in counts.items()}


def suppress_value(count: int, *, below: int) -> Cell:
    """One headline count."""
    return SUPPRESSED if is_small(count, below=below) else count
