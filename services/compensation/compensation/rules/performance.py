"""Performance figures from facts, achievement against levels, the weighted scorecard.

Plain Python, no I/O. A fact is one thing a rep achieved (a deal won, cash
collected or refunded, a lead qualified, a new customer, a rated ticket).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .targets import Levels, achievement

WON, COLLECTED, REFUNDED, SATISFACTION = "won", "collected", "refunded", "satisfaction"
QUALIFIED_LEAD, NEW_CUSTOMER = "qualified_lead", "new_customer"
KINDS = (WON, COLLECTED, REFUNDED, SATISFACTION, QUALIFIED_LEAD, NEW_CUSTOMER)


@dataclass(frozen=True)
class Fact:
    """The parts of a performance fact the figures need."""

    kind: str
    amount: Decimal | None = None
    currency: str | None = None
    satisfaction: int | None = None


@dataclass
class Totals:
    """Money won and collected (net of refunds) in one currency."""

    won: Decimal = Decimal(0)
    collected: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)


@dataclass
class Summary:
    """A subject's figures for a period."""

    deals_won: int = 0
    payments: int = 0
    refunds: int = 0
    rated_tickets: int = 0
    qualified_leads: int = 0
    new_customers: int = 0
    by_currency: dict[str, Totals] = field(default_factory=dict)
    avg_satisfaction: Decimal | None = None

    def currency_for(self, requested: str | None, default: str) -> str:
        """The currency to headline: the requested one, the only one, or the default."""
        if requested:
            return requested
        if len(self.by_currency) == 1:
            return next(iter(self.by_currency))
        return default

    def metric(self, name: str, currency: str) -> Decimal | None:
        """One metric's actual value (money in ``currency``)."""
        totals = self.by_currency.get(currency, Totals())
        values: dict[str, Decimal | None] = {
            "won_amount": totals.won,
            "collected_amount": totals.collected - totals.refunded,
            "new_customers": Decimal(self.new_customers),
            "qualified_leads": Decimal(self.qualified_leads),
            "deals_won": Decimal(self.deals_won),
            "avg_satisfaction": self.avg_satisfaction,
        }
        return values[name]


def summarize(facts: Iterable[Fact]) -> Summary:
    """Add up facts. Amounts are summed per currency, never across currencies."""
    summary = Summary()
    ratings: list[int] = []
    for fact in facts:
        if fact.kind == SATISFACTION:
            if fact.satisfaction is not None:
                ratings.append(fact.satisfaction)
            continue
        if fact.kind == QUALIFIED_LEAD:
            summary.qualified_leads += 1
            continue
        if fact.kind == NEW_CUSTOMER:
            summary.new_customers += 1
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
        elif fact.kind == REFUNDED:
            totals.refunded += fact.amount
            summary.refunds += 1
    summary.rated_tickets = len(ratings)
    if ratings:
        mean = Decimal(sum(ratings)) / Decimal(len(ratings))
        summary.avg_satisfaction = mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return summary


def achievements(actual: Decimal | None, levels: Levels) -> dict[str, Decimal | None]:
    """Achievement ratios against the target, stretch and challenge levels."""
    if actual is None:
        return {"target": None, "stretch": None, "challenge": None}
    return {
        "target": achievement(actual, levels.target),
        "stretch": achievement(actual, levels.stretch),
        "challenge": achievement(actual, levels.challenge),
    }


@dataclass(frozen=True)
class Scorecard:
    """Weights per metric (percent, adding up to 100), a cap per metric, and an optional gate."""

    weights: Mapping[str, Decimal]
    cap: Decimal = Decimal("1.5")  # one metric counts at most 150% of its target
    gate_metric: str | None = None
    gate_minimum: Decimal | None = None


def scorecard_errors(card: Scorecard, metrics: Iterable[str]) -> list[tuple[str, str]]:
    """(field, message) pairs for a scorecard whose weights or gate make no sense."""
    known = set(metrics)
    errors = [(f"weights.{m}", "is not a metric") for m in card.weights if m not in known]
    errors += [(f"weights.{m}", "must not be negative") for m, w in card.weights.items() if w < 0]
    if sum(card.weights.values(), Decimal(0)) != 100:
        errors.append(("weights", "must add up to exactly 100"))
    if card.gate_metric is not None and card.gate_metric not in known:
        errors.append(("gate_metric", "is not a metric"))
    if (card.gate_metric is None) != (card.gate_minimum is None):
        errors.append(("gate_minimum", "a gate needs both a metric and a minimum"))
    return errors


def weighted_score(card: Scorecard, ratios: Mapping[str, Decimal | None]) -> Decimal:
    """Sum of weight * achievement (capped), in points out of 100 at full achievement."""
    score = Decimal(0)
    for metric, weight in card.weights.items():
        ratio = ratios.get(metric)
        if ratio is None:
            continue
        score += weight * min(max(ratio, Decimal(0)), card.cap)
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def gate_met(card: Scorecard, actuals: Mapping[str, Decimal | None]) -> bool:
    """Whether the scorecard's gate (e.g. satisfaction at least 3.5) lets accelerators pay."""
    if card.gate_metric is None or card.gate_minimum is None:
        return True
    value = actuals.get(card.gate_metric)
    return value is not None and value >= card.gate_minimum
