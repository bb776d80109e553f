"""Customer tiers from recency, frequency, monetary value and service history.

Plain Python: :func:`classify` turns a customer's won deals, payments and
tickets into a tier and the figures that put it there, against thresholds an
admin configures. Order of precedence: churned, at-risk, high-value,
potential (a customer that fits none of the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

HIGH_VALUE, POTENTIAL, AT_RISK, CHURNED = "high_value", "potential", "at_risk", "churned"
TIERS = (HIGH_VALUE, POTENTIAL, AT_RISK, CHURNED)


@dataclass(frozen=True)
class Thresholds:
    """Where the tier lines are drawn. Money counts only in ``currency``."""

    currency: str = "USD"
    window_days: int = 365
    high_value_monetary: Decimal = Decimal("50000")
    high_value_frequency: int = 2
    high_value_recency_days: int = 180
    at_risk_recency_days: int = 180
    at_risk_satisfaction: float = 2.5
    at_risk_min_rated_tickets: int = 2
    at_risk_open_tickets: int = 3
    churned_recency_days: int = 365

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Thresholds:
        """Thresholds from their stored form; missing values take the defaults."""
        data = dict(data or {})
        base = asdict(cls())
        merged = {k: data.get(k, v) for k, v in base.items()}
        merged["high_value_monetary"] = Decimal(str(merged["high_value_monetary"]))
        merged["at_risk_satisfaction"] = float(merged["at_risk_satisfaction"])
        return cls(**merged)

    def to_dict(self) -> dict[str, Any]:
        """The stored (JSON) form."""
        out = asdict(self)
        out["high_value_monetary"] = str(self.high_value_monetary)
        return out


@dataclass(frozen=True)
class Money:
    """An amount at a time (a won deal or a payment)."""

    at: datetime
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Ticket:
    """A ticket as the tiers see it."""

    opened_at: datetime | None
    closed_at: datetime | None
    satisfaction: int | None


@dataclass(frozen=True)
class Classification:
    """A tier, the reasons for it and every figure it was computed from."""

    tier: str
    reasons: list[str]
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, thresholds: Thresholds, computed_at: datetime) -> dict[str, Any]:
        """The explanation as kept on the customer and shown by the API."""
        return {
            "tier": self.tier,
            "reasons": list(self.reasons),
            "figures": {
                k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.figures.items()
            },
            "thresholds": thresholds.to_dict(),
            "computed_at": computed_at.isoformat(),
        }


def _sum(items: Iterable[Money], currency: str) -> Decimal:
    return sum((m.amount for m in items if m.currency == currency), Decimal(0))


def classify(
    deals: Iterable[Money],
    payments: Iterable[Money],
    tickets: Iterable[Ticket],
    thresholds: Thresholds,
    now: datetime,
) -> Classification:
    """The tier of a customer with these won deals, payments and tickets at ``now``."""
    deals, payments, tickets = list(deals), list(payments), list(tickets)
    since = now - timedelta(days=thresholds.window_days)
    recent_deals = [d for d in deals if d.at >= since]
    recent_payments = [p for p in payments if p.at >= since]
    last = max((m.at for m in deals + payments), default=None)
    recency = (now - last).days if last is not None else None
    frequency = len(recent_deals) + len(recent_payments)
    won = _sum(recent_deals, thresholds.currency)
    paid = _sum(recent_payments, thresholds.currency)
    # Deals and their payments describe the same money; counting the larger
    # of the two avoids counting a paid deal twice.
    monetary = max(won, paid)
    other = sum(1 for m in recent_deals + recent_payments if m.currency != thresholds.currency)
    window_tickets = [
        t for t in tickets if (when := t.closed_at or t.opened_at) is None or when >= since
    ]
    rated = [t.satisfaction for t in window_tickets if t.satisfaction is not None]
    satisfaction = round(sum(rated) / len(rated), 2) if rated else None
    open_tickets = sum(1 for t in tickets if t.closed_at is None)
    figures: dict[str, Any] = {
        "recency_days": recency,
        "frequency": frequency,
        "monetary": monetary,
        "won_amount": won,
        "paid_amount": paid,
        "currency": thresholds.currency,
        "amounts_in_other_currencies": other,
        "tickets": len(window_tickets),
        "rated_tickets": len(rated),
        "average_satisfaction": satisfaction,
        "open_tickets": open_tickets,
    }
    t = thresholds
    if recency is not None and recency > t.churned_recency_days:
        return Classification(
            CHURNED,
            [f"no deal or payment for {recency} days (churned after {t.churned_recency_days})"],
            figures,
        )
    risks = []
    if recency is not None and recency > t.at_risk_recency_days:
        risks.append(
            f"no deal or payment for {recency} days (at risk after {t.at_risk_recency_days})"
        )
    if (
        satisfaction is not None
        and len(rated) >= t.at_risk_min_rated_tickets
        and satisfaction <= t.at_risk_satisfaction
    ):
        risks.append(
            f"average satisfaction {satisfaction} over {len(rated)} tickets "
            f"(at risk at or below {t.at_risk_satisfaction})"
        )
    if open_tickets >= t.at_risk_open_tickets > 0:
        risks.append(f"{open_tickets} open tickets (at risk from {t.at_risk_open_tickets})")
    if risks:
        return Classification(AT_RISK, risks, figures)
    if (
        monetary >= t.high_value_monetary
        and frequency >= t.high_value_frequency
        and recency is not None
        and recency <= t.high_value_recency_days
    ):
        return Classification(
            HIGH_VALUE,
            [
                f"{monetary} {t.currency} in the last {t.window_days} days "
                f"(high value from {t.high_value_monetary})",
                f"{frequency} deals and payments (high value from {t.high_value_frequency})",
                f"last deal or payment {recency} days ago "
                f"(high value within {t.high_value_recency_days})",
            ],
            figures,
        )
    reasons = []
    if recency is None:
        reasons.append("no deal won or payment received yet")
    else:
        if monetary < t.high_value_monetary:
            reasons.append(
                f"{monetary} {t.currency} in the last {t.window_days} days "
                f"(below {t.high_value_monetary} for high value)"
            )
        if frequency < t.high_value_frequency:
            reasons.append(
                f"{frequency} deals and payments (below {t.high_value_frequency} for high value)"
            )
    return Classification(POTENTIAL, reasons or ["not at risk and not yet high value"], figures)
