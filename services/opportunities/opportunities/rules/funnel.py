"""Funnel arithmetic: medians, stage-to-stage conversion, win rate."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence


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


def stay_days(seconds: float) -> int:
    """Whole days a finished stay lasted (the funnel's medians count whole days)."""
    return max(0, int(seconds // 86400))


def median_of_counts(counts: Mapping[int, int]) -> float | None:
    """The median of a multiset given as value -> how many times; None when empty.

    Equal to :func:`median` of the expanded values, without expanding them.
    """
    total = sum(n for n in counts.values() if n > 0)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found: list[float] = []
    seen = 0
    for value in sorted(v for v, n in counts.items() if n > 0):
        seen += counts[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(float(value))
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2
