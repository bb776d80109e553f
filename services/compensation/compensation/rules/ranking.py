"""Leaderboards: ranks with ties, and the gap to the next place."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Standing:
    """One place on a leaderboard."""

    subject: Hashable
    value: Decimal
    rank: int
    gap_to_next: Decimal | None  # how much more would lift it one place; None at the top


def rank(entries: Sequence[tuple[Hashable, Decimal]]) -> list[Standing]:
    """Standard competition ranking (1, 2, 2, 4), highest value first."""
    ordered = sorted(entries, key=lambda e: (-e[1], str(e[0])))
    standings: list[Standing] = []
    previous_value: Decimal | None = None
    current_rank = 0
    better: Decimal | None = None  # the nearest strictly higher value
    for position, (subject, value) in enumerate(ordered, start=1):
        if previous_value is None or value != previous_value:
            better = previous_value
            current_rank = position
            previous_value = value
        standings.append(
            Standing(subject, value, current_rank, None if better is None else better - value)
        )
    return standings
