"""How honest a probability is: the reliability table and the Brier score."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def brier_score(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Mean squared gap between predicted probability and outcome (0 is perfect)."""
    if not pairs:
        return None
    return sum((p - (1.0 if won else 0.0)) ** 2 for p, won in pairs) / len(pairs)


def reliability_table(
    pairs: Sequence[tuple[float, bool]], buckets: int = 10
) -> list[dict[str, float | int | None]]:
    """Predicted against observed win rate per probability bucket (``[lo, hi)``, last closed)."""
    rows: list[dict[str, float | int | None]] = []
    for index in range(buckets):
        lo, hi = index / buckets, (index + 1) / buckets
        inside = [
            (p, won) for p, won in pairs if lo <= p < hi or (index == buckets - 1 and p == hi)
        ]
        rows.append(
            {
                "low": lo,
                "high": hi,
                "count": len(inside),
                "predicted": sum(p for p, _ in inside) / len(inside) if inside else None,
                "observed": sum(1 for _, w in inside if w) / len(inside) if inside else None,
            }
        )
    return rows


def relative_error(forecast: Decimal, actual: Decimal) -> float | None:
    """``|forecast - actual| / actual``; None when nothing was won."""
    if actual == 0:
        return None
    return float(abs(forecast - actual) / actual)
