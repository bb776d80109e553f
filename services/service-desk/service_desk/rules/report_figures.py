"""Figures of the service-desk reports: medians, p90, compliance, backlog age."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

AGE_BUCKETS = (("under_1d", 1), ("1_to_3d", 3), ("3_to_7d", 7), ("over_7d", None))


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` in (0, 1]) of ``values``, or None."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1], 2)


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the two middle values for an even count), or None."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[middle], 2)
    return round((ordered[middle - 1] + ordered[middle]) / 2, 2)


def compliance(met: int, breached: int) -> float | None:
    """Share of decided clocks that were met, or None when none were decided."""
    total = met + breached
    return round(met / total, 4) if total else None


def backlog_ages(opened: Sequence[datetime], now: datetime) -> dict[str, int]:
    """How many open tickets fall in each age bucket (days since opening)."""
    counts = {name: 0 for name, _ in AGE_BUCKETS}
    for at in opened:
        days = (now - at).total_seconds() / 86400
        for name, limit in AGE_BUCKETS:
            if limit is None or days < limit:
                counts[name] += 1
                break
    return counts
