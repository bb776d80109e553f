"""Deal risk: a level and the reasons for it, from facts about one open deal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

NO_ACTIVITY_DAYS = 14
PUSHES_ALLOWED = 2
# How many points each reason weighs; medium from 1, high from 3.
WEIGHTS = {
    "no_activity": 2,
    "stuck_in_stage": 1,
    "stale_stage": 1,
    "close_date_pushed": 1,
    "close_date_past": 2,
    "amount_cut": 1,
    "no_decision_maker": 1,
    "customer_at_risk": 2,
    "customer_churned": 3,
}
# customers' tiers that put the customer's deals at risk, and what they weigh.
TIER_REASONS = {
    "at_risk": ("customer_at_risk", "the customer is at risk of churning"),
    "churned": ("customer_churned", "the customer has churned"),
}
LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class RiskFacts:
    """What the risk rule looks at for one open deal."""

    last_activity_at: datetime
    stage_entered_at: datetime
    stale_after_days: int | None
    median_won_days_in_stage: float | None
    close_date_pushes: int
    expected_close_date: date | None
    amount: Decimal
    peak_amount: Decimal
    has_decision_maker: bool
    stage_probability: int
    # The customer's tier from customers' customer.tier_changed (None: not told yet).
    customer_tier: str | None = None


def assess(facts: RiskFacts, now: datetime) -> tuple[str, list[dict[str, str]]]:
    """The deal's risk level (low | medium | high) and the reasons, weightiest first."""
    reasons: list[tuple[str, str]] = []
    idle = (now - facts.last_activity_at).days
    if idle >= NO_ACTIVITY_DAYS:
        reasons.append(("no_activity", f"no activity for {idle} days"))
    in_stage = (now - facts.stage_entered_at).days
    median = facts.median_won_days_in_stage
    if median is not None and in_stage > 2 * max(median, 1):
        reasons.append(
            (
                "stuck_in_stage",
                f"{in_stage} days in this stage; won deals spent a median of {median:g}",
            )
        )
    elif facts.stale_after_days is not None and in_stage > facts.stale_after_days:
        reasons.append(
            ("stale_stage", f"{in_stage} days in this stage (stale after {facts.stale_after_days})")
        )
    if facts.expected_close_date is not None and facts.expected_close_date < now.date():
        reasons.append(("close_date_past", "the expected close date has passed"))
    if facts.close_date_pushes > PUSHES_ALLOWED:
        reasons.append(("close_date_pushed", f"close date pushed {facts.close_date_pushes} times"))
    if facts.amount < facts.peak_amount:
        reasons.append(("amount_cut", f"amount cut from {facts.peak_amount} to {facts.amount}"))
    if not facts.has_decision_maker and facts.stage_probability >= 50:
        reasons.append(("no_decision_maker", "no decision-maker contact at this stage"))
    if facts.customer_tier in TIER_REASONS:
        reasons.append(TIER_REASONS[facts.customer_tier])
    reasons.sort(key=lambda r: -WEIGHTS[r[0]])
    score = sum(WEIGHTS[code] for code, _ in reasons)
    level = "high" if score >= 3 else "medium" if score >= 1 else "low"
    return level, [{"code": code, "message": message} for code, message in reasons]
