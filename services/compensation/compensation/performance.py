"""Performance figures from facts. Plain Python, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

WON, COLLECTED, SATISFACTION = "won", "collected", "satisfaction"
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def period_of(moment: datetime) -> str:
    """The ``YYYY-MM`` period (UTC) a moment falls in."""
    return moment.strftime("%Y-%m")


@dataclass(frozen=True)
class Fact:
    """The parts of a performance fact the figures need."""

    kind: str
    amount: Decimal | None = None
    currency: str | None = None
    satisfaction: int | None = None


@dataclass
class Totals:
    """Money won and collected in one currency."""

    won: Decimal = Decimal(0)
    collected: Decimal = Decimal(0)


@dataclass
class Summary:
    """A rep's figures for a period."""

    deals_won: int = 0
    payments: int = 0
    rated_tickets: int = 0
    by_currency: dict[str, Totals] = field(default_factory=dict)
    avg_satisfaction: Decimal | None = None

    def currency_for(self, requested: str | None, default: str) -> str:
        """The currency to headline: the requested one, the only one, or the default."""
        if requested:
            return requested
        if len(self.by_currency) == 1:
            return next(iter(self.by_currency))
        return default


def summarize(facts: Iterable[Fact]) -> Summary:
    """Add up facts. Amounts are summed per currency, never across currencies."""
    summary = Summary()
    ratings: list[int] = []
    for fact in facts:
        if fact.kind == SATISFACTION and fact.satisfaction is not None:
            ratings.append(fact.satisfaction)
            continue
        if fact.amount is None or fact.currency is None:
            continue
        totals = summary.by_currency.setdefault(fact.currency, Totals())
        if fact.kind == WON:
            totals.won += fact.amount
            summary.deals_won += 1
        elif fact.kind == COLLECTED:
            totals.collected += fact.amount
            summary.payments += 1
    summary.rated_tickets = len(ratings)
    if ratings:
        mean = Decimal(sum(ratings)) / Decimal(len(ratings))
        summary.avg_satisfaction = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return summary
