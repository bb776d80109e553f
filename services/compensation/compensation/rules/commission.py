"""Commission: marginal tiers on achievement, caps, product rates, credit splits, clawback.

A plan pays on a base (cash collected, or amount won). Its tiers are slices
of achievement against the rep's target — 3% of what falls up to 80% of the
target, 5% of what falls between 80% and 100%, 8% above — each slice at its
own rate, so crossing an edge never makes earlier money worth more (no cliff).

Each receipt's commission is the plan's value of the period's base after it
minus before it, rounded in the currency's minor units on both sides. So the
lines of a period always add up to exactly the plan's value of the period's
total base, whatever order the receipts arrived in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Tier:
    """A slice ``[lower, upper)`` of achievement (ratios of target; None: no end) and its rate."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal  # a fraction: 0.03 is 3%


@dataclass(frozen=True)
class Plan:
    """What a commission plan says, as data."""

    base: str  # "collected" or "won"
    tiers: tuple[Tier, ...]
    cap: Decimal | None = None  # most a rep earns in a month, in the plan's currency
    product_rates: tuple[tuple[str, Decimal], ...] = ()  # (SKU prefix, multiplier)


def tier_errors(tiers: Sequence[Tier]) -> list[tuple[str, str]]:
    """(field, message) pairs for tiers that overlap, leave gaps, or have bad rates."""
    errors: list[tuple[str, str]] = []
    if not tiers:
        return [("tiers", "a plan needs at least one tier")]
    if tiers[0].lower != 0:
        errors.append(("tiers.0.from", "the first tier starts at 0"))
    for i, tier in enumerate(tiers):
        if tier.lower < 0:
            errors.append((f"tiers.{i}.from", "must not be negative"))
        if tier.rate < 0 or tier.rate > 1:
            errors.append((f"tiers.{i}.rate", "must be between 0 and 100 percent"))
        if tier.upper is not None and tier.upper <= tier.lower:
            errors.append((f"tiers.{i}.to", "must be above its from"))
        if i + 1 < len(tiers):
            following = tiers[i + 1]
            if tier.upper is None:
                errors.append((f"tiers.{i}.to", "only the last tier may be open-ended"))
            elif following.lower < tier.upper:
                errors.append((f"tiers.{i + 1}.from", "overlaps the tier before it"))
            elif following.lower > tier.upper:
                errors.append((f"tiers.{i + 1}.from", "leaves a gap after the tier before it"))
    if tiers[-1].upper is not None:
        errors.append((f"tiers.{len(tiers) - 1}.to", "the last tier must be open-ended"))
    return errors


def split_errors(shares: Sequence[tuple[object, Decimal]]) -> list[tuple[str, str]]:
    """(field, message) pairs for credit splits that are not whole, positive and distinct."""
    errors: list[tuple[str, str]] = []
    owners = [owner for owner, _ in shares]
    if not shares:
        errors.append(("splits", "at least one rep gets the credit"))
    if len(set(owners)) != len(owners):
        errors.append(("splits", "a rep appears twice"))
    for i, (_, percent) in enumerate(shares):
        if percent <= 0:
            errors.append((f"splits.{i}.percent", "must be above 0"))
    if shares and sum((p for _, p in shares), Decimal(0)) != HUNDRED:
        errors.append(("splits", "percentages must add up to exactly 100"))
    return errors


def quantize(amount: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals (the currency's minor units)."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plan_value(
    base: Decimal, target: Decimal | None, plan: Plan, *, accelerated: bool = True
) -> Decimal:
    """Commission on a period's whole ``base`` (unrounded, before the cap).

    Without a target there is no achievement to slice, so everything earns the
    first tier's rate. A negative base (more refunded than collected) earns a
    negative amount at the first tier's rate. When a scorecard gate is not met
    (``accelerated`` false), slices above 100% of target earn the rate of the
    slice that holds 100%, not the accelerator's.
    """
    if base <= 0 or target is None or target <= 0:
        return base * plan.tiers[0].rate
    ceiling_rate = plan.tiers[0].rate
    for tier in plan.tiers:
        if tier.lower < 1:
            ceiling_rate = tier.rate
    total = Decimal(0)
    for tier in plan.tiers:
        low = tier.lower * target
        high = base if tier.upper is None else min(base, tier.upper * target)
        if high > low:
            rate = tier.rate if accelerated or tier.lower < 1 else min(tier.rate, ceiling_rate)
            total += (high - low) * rate
    return total


def capped(value: Decimal, cap: Decimal | None) -> Decimal:
    """The plan's value held under its monthly cap."""
    return value if cap is None else min(value, cap)


def period_commission(
    base: Decimal, target: Decimal | None, plan: Plan, places: int, *, accelerated: bool = True
) -> Decimal:
    """The plan's value of a period's base, capped and rounded to minor units."""
    return quantize(
        capped(plan_value(base, target, plan, accelerated=accelerated), plan.cap), places
    )


def marginal_commission(
    before: Decimal,
    delta: Decimal,
    target: Decimal | None,
    plan: Plan,
    places: int,
    *,
    accelerated: bool = True,
) -> Decimal:
    """What one more ``delta`` of base earns on top of ``before`` (negative for a refund)."""
    after = period_commission(before + delta, target, plan, places, accelerated=accelerated)
    return after - period_commission(before, target, plan, places, accelerated=accelerated)


def product_factor(lines: Iterable[tuple[str | None, Decimal]], plan: Plan) -> Decimal:
    """The weighted rate multiplier of a deal's mix of products (1 when nothing matches).

    ``lines`` are (SKU, amount) pairs; a line whose SKU starts with a plan prefix
    counts at that prefix's multiplier, others at 1.
    """
    total = Decimal(0)
    weighted = Decimal(0)
    for sku, amount in lines:
        multiplier = Decimal(1)
        for prefix, value in plan.product_rates:
            if sku and sku.startswith(prefix):
                multiplier = value
                break
        total += amount
        weighted += amount * multiplier
    if total <= 0:
        return Decimal(1)
    return weighted / total


def split_amount(amount: Decimal, shares: Sequence[Decimal], places: int) -> list[Decimal]:
    """Share ``amount`` by percentages, in minor units, the last share taking the rounding."""
    parts = [quantize(amount * share / HUNDRED, places) for share in shares[:-1]]
    parts.append(amount - sum(parts, Decimal(0)))
    return parts


def clawback_applies(days_since_receipt: int, window_days: int) -> bool:
    """A refund claws commission back only within the plan's window after the receipt."""
    return days_since_receipt <= window_days
