"""The three forecast figures: stage-weighted, calibrated, and the rep's own call.

Amounts stay in their currency: every figure is per currency, never summed
across currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

OPEN_CATEGORIES = ("commit", "best_case", "pipeline")


@dataclass(frozen=True)
class OpenDeal:
    """An open deal as the forecast sees it."""

    amount: Decimal
    currency: str
    category: str  # the rep's call: pipeline | best_case | commit | omitted
    stage_probability: int  # 0-100, the stage default or the deal's override
    calibrated: float  # 0-1, win rate times chance of closing within the period


def _probability(value: float) -> Decimal:
    return Decimal(str(round(min(1.0, max(0.0, value)), 6)))


CENT = Decimal("0.0001")


def weighted(amount: Decimal, probability: float) -> Decimal:
    """``amount`` times a probability in [0, 1] (clamped to 6 decimal places), unrounded.

    The product is exact, so a sum of weighted amounts is the same whether
    deals are weighted one by one or grouped first (equal probabilities):
    the forecast reads grouped sums from SQL. Totals are rounded once, at the end.
    """
    return amount * _probability(probability)


def forecast_figures(
    deals: Iterable[OpenDeal], closed_won: dict[str, Decimal]
) -> dict[str, dict[str, Decimal]]:
    """Per currency: closed won, open amount by category, roll-ups and the two models.

    Roll-ups as Salesforce sums them: ``commit`` = commit + closed,
    ``best_case`` = best case + commit + closed, ``pipeline`` = everything
    open and not omitted + closed.
    """
    out: dict[str, dict[str, Decimal]] = {}

    def row(currency: str) -> dict[str, Decimal]:
        if currency not in out:
            zero = Decimal(0)
            out[currency] = {
                "closed": closed_won.get(currency, zero),
                "commit": zero,
                "best_case": zero,
                "pipeline": zero,
                "omitted": zero,
                "stage_weighted": zero,
                "calibrated": zero,
            }
        return out[currency]

    for currency in closed_won:
        row(currency)
    for deal in deals:
        figures = row(deal.currency)
        category = deal.category if deal.category in OPEN_CATEGORIES else "omitted"
        figures[category] += deal.amount
        if category == "omitted":
            continue
        figures["stage_weighted"] += weighted(deal.amount, deal.stage_probability / 100)
        figures["calibrated"] += weighted(deal.amount, deal.calibrated)
    for figures in out.values():
        for name in ("stage_weighted", "calibrated"):
            figures[name] = figures[name].quantize(CENT, ROUND_HALF_EVEN)
        closed = figures["closed"]
        figures["stage_weighted"] += closed
        figures["calibrated"] += closed
        figures["commit_rollup"] = figures["commit"] + closed
        figures["best_case_rollup"] = figures["best_case"] + figures["commit"] + closed
        figures["pipeline_rollup"] = (
            figures["pipeline"] + figures["best_case"] + figures["commit"] + closed
        )
    return out
