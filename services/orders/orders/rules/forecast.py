"""Cash forecast: when open installments will really be paid, from each customer's history.

Each customer's history of paying late (days between due date and the day
an installment was paid in full) gives a shift: its mean, and a band from
mean - spread to mean + spread (spread = the mean absolute deviation). A
customer with fewer than ``MIN_HISTORY`` paid installments blends towards
the segment's figures (all customers in the currency), weighted by how much
history they have. A customer's partial-payment habit — the share of
installments they first paid only in part — moves the same share of each
installment to the band's late edge in the expected figure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

MIN_HISTORY = 3


@dataclass(frozen=True)
class Lateness:
    """Payment-lateness figures of a customer or a segment."""

    count: int
    mean_days: float
    spread_days: float
    partial_share: float = 0.0


def stats_of(days_late: Sequence[int], partial: int = 0) -> Lateness:
    """Figures from a list of days late (negative = paid early)."""
    if not days_late:
        return Lateness(0, 0.0, 0.0, 0.0)
    mean = sum(days_late) / len(days_late)
    spread = sum(abs(d - mean) for d in days_late) / len(days_late)
    return Lateness(len(days_late), mean, spread, partial / len(days_late))


def blended(customer: Lateness | None, segment: Lateness) -> Lateness:
    """The customer's figures, pulled towards the segment's when their history is short."""
    if customer is None or customer.count == 0:
        return segment
    weight = min(1.0, customer.count / MIN_HISTORY)
    mix = lambda a, b: a * weight + b * (1 - weight)  # noqa: E731
    return Lateness(
        customer.count,
        mix(customer.mean_days, segment.mean_days),
        mix(customer.spread_days, segment.spread_days),
        mix(customer.partial_share, segment.partial_share),
    )


class OpenAmount(NamedTuple):
    """An amount still expected: from whom, and when it is due (a tuple: made by the 100,000)."""

    customer_id: uuid.UUID
    due_on: date
    amount: Decimal


@dataclass(frozen=True)
class Week:
    """Expected cash in one week, with its band."""

    start: date
    expected: Decimal
    low: Decimal
    high: Decimal
    plain: Decimal  # what "due date = cash date" says


def forecast(
    items: Iterable[OpenAmount],
    customers: dict[uuid.UUID, Lateness],
    segment: Lateness,
    start: date,
    weeks: int,
) -> list[Week]:
    """Expected cash per week from ``start`` for ``weeks`` weeks.

    ``low`` is the cash if every customer pays at the late edge of their
    band, ``high`` at the early edge (so low ≤ high for cumulative cash).
    Amounts shifted beyond the horizon drop out of it.
    """
    zero = Decimal(0)
    expected = [zero] * weeks
    low = [zero] * weeks
    high = [zero] * weeks
    plain = [zero] * weeks
    origin = start.toordinal()
    # Per customer once: the shifts in whole days and the partial share.
    shifts: dict[uuid.UUID, tuple[int, int, int, Decimal]] = {}

    def week(day: int) -> int | None:
        # Money expected before the horizon starts (long overdue) lands in week 0.
        index = max(0, (day - origin) // 7)
        return index if index < weeks else None

    for item in items:
        shift = shifts.get(item.customer_id)
        if shift is None:
            f = blended(customers.get(item.customer_id), segment)
            shift = (
                round(f.mean_days),
                round(f.mean_days + f.spread_days),
                round(f.mean_days - f.spread_days),
                Decimal(str(round(f.partial_share, 4))),
            )
            shifts[item.customer_id] = shift
        mean, late, early, partial = shift
        due = item.due_on.toordinal()
        amount = item.amount
        if partial:
            on_late = amount * partial
            w = week(due + late)
            if w is not None:
                expected[w] += on_late
            on_mean = amount - on_late
        else:
            on_mean = amount
        for bucket, day, part in (
            (expected, due + mean, on_mean),
            (low, due + late, amount),
            (high, due + early, amount),
            (plain, due, amount),
        ):
            w = week(day)
            if w is not None:
                bucket[w] += part
    out = []
    for i in range(weeks):
        lo, hi = sorted((low[i], high[i]))
        out.append(
            Week(
                start + timedelta(days=7 * i),
                expected[i],
                min(lo, expected[i]),
                max(hi, expected[i]),
                plain[i],
            )
        )
    return out


def wape(actual: Sequence[Decimal], predicted: Sequence[Decimal]) -> Decimal | None:
    """Weighted absolute percentage error: Σ|actual - predicted| / Σ actual (None with no cash)."""
    total = sum(actual, Decimal(0))
    if total == 0:
        return None
    error = sum((abs(a - p) for a, p in zip(actual, predicted, strict=True)), Decimal(0))
    return (error / total).quantize(Decimal("0.0001"))
