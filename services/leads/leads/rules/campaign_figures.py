"""Campaign figures: cost per lead and return on investment. Plain Python."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal


def cost_per_lead(budget: Decimal | None, captured: int) -> Decimal | None:
    """Budget divided by leads captured (None without a budget or leads)."""
    if budget is None or captured <= 0:
        return None
    return (budget / captured).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def roi(budget: Decimal | None, revenue: Decimal) -> Decimal | None:
    """(revenue - budget) / budget, as a ratio to 4 places; None without a budget."""
    if budget is None or budget <= 0:
        return None
    return ((revenue - budget) / budget).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def figures(
    *,
    budget: Decimal | None,
    currency: str | None,
    captured: int,
    qualified: int,
    won: int,
    revenue: Mapping[str, Decimal],
) -> dict[str, object]:
    """Everything a campaign report shows.

    Revenue is kept per currency and never converted; ROI uses only the
    revenue in the budget's currency.
    """
    same = revenue.get(currency or "", Decimal(0))
    return {
        "captured": captured,
        "qualified": qualified,
        "won": won,
        "revenue": [{"amount": str(v), "currency": c} for c, v in sorted(revenue.items())],
        "cost_per_lead": str(cost_per_lead(budget, captured))
        if cost_per_lead(budget, captured) is not None
        else None,
        "qualification_rate": round(qualified / captured, 4) if captured else None,
        "roi": str(roi(budget, same)) if roi(budget, same) is not None else None,
    }
