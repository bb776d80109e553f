"""Funnel arithmetic: medians, stage-to-stage conversion, win rate."""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def conversions(reached: Sequence[int]) -> list[float | None]:
    """For stages in order, the share of deals reaching a stage that reached the next one."""
    out: list[float | None] = []
    for here, after in itertools.pairwise(reached):
        out.append(after / here if here else None)
    return out


def win_rate(won: int, lost: int) -> float | None:
    """Won over closed; None when nothing closed."""
    return won / (won + lost) if won + lost else None
