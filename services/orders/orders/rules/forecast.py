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


@dataclass(frozen=True)
class PaymentSums:
    """A customer's paid installments in whole numbers: how many, and days late summed.

    Integers add up exactly, in SQL or Python, so the stored figures and a
    recomputation from the installments always agree.
    """

    count: int
    days_late: int  # sum of (paid_on - due_on)
    abs_days_late: int  # sum of |paid_on - due_on|


def sums_of(days_late: Iterable[int]) -> PaymentSums:
    """The sums of a list of days late."""
    days = list(days_late)
    return PaymentSums(len(days), sum(days), sum(abs(d) for d in days))


def lateness_of(sums: PaymentSums) -> Lateness:
    """A customer's lateness from their sums.

    The spread is approximated by how far the mean |days late| strays from
    |mean| (plus one day), which the sums give without the single payments.
    """
    if sums.count == 0:
        return Lateness(0, 0.0, 0.0)
    return Lateness(
        sums.count,
        sums.days_late / sums.count,
        (abs(sums.abs_days_late - abs(sums.days_late)) + sums.count) / sums.count,
    )


def segment_of(customers: Iterable[PaymentSums]) -> Lateness:
    """The segment's lateness: every customer's payments together (weighted by count)."""
    count = late = spread = 0
    for s in customers:
        count += s.count
        late += s.days_late
        spread += abs(s.abs_days_late - abs(s.days_late)) + s.count
    if count == 0:
        return Lateness(0, 0.0, 0.0)
    return Lateness(count, late / count, spread / count)


def established(count: int) -> bool:
    """Whether a customer's own history alone gives their shift (no segment blend)."""
    return count >= MIN_HISTORY


class Shift(NamedTuple):
    """Whole days an installment's cash moves from its due date: mean, late and early edge."""

    mean: int
    late: int
    early: int
    partial: Decimal


def shift_of(f: Lateness) -> Shift:
    """The shifts of a customer's (blended) lateness."""
    return Shift(
        round(f.mean_days),
        round(f.mean_days + f.spread_days),
        round(f.mean_days - f.spread_days),
        Decimal(str(round(f.partial_share, 4))),
    )


KINDS = ("expected", "low", "high", "due")


def cash_days(due_on: date, amount: Decimal, shift: Shift) -> list[tuple[str, date, Decimal]]:
    """Where an open amount lands: (kind, day, amount) for the expected, low, high and due figures.

    ``low`` is the late edge of the band, ``high`` the early edge; with a
    partial-payment habit that share of the expected cash comes at the late edge.
    """
    out: list[tuple[str, date, Decimal]] = []
    on_mean = amount
    if shift.partial:
        on_late = amount * shift.partial
        out.append(("expected", due_on + timedelta(days=shift.late), on_late))
        on_mean = amount - on_late
    out.append(("expected", due_on + timedelta(days=shift.mean), on_mean))
    out.append(("low", due_on + timedelta(days=shift.late), amount))
    out.append(("high", due_on + timedelta(days=shift.early), amount))
    out.append(("due", due_on, amount))
    return out


def week_index(day: date, start: date, weeks: int) -> int | None:
    """The week of the horizon ``day`` falls in; long overdue lands in week 0, past the end None."""
    index = max(0, (day.toordinal() - start.toordinal()) // 7)
    return index if index < weeks else None


def week_of(day: date) -> date:
    """The Monday of ``day``'s week (the horizon's weeks start on Mondays)."""
    return day - timedelta(days=day.weekday())


class WeekSums:
    """Running sums per kind and week of the horizon."""

    def __init__(self, start: date, weeks: int) -> None:
        self.start, self.weeks = start, weeks
        self.sums = {k: [Decimal(0)] * weeks for k in KINDS}

    def add(self, kind: str, day: date, amount: Decimal) -> None:
        """Add cash expected on ``day`` (dropped beyond the horizon)."""
        index = week_index(day, self.start, self.weeks)
        if index is not None:
            self.sums[kind][index] += amount

    def result(self) -> list[Week]:
        """The weeks, the band widened to hold the expected figure."""
        out = []
        for i in range(self.weeks):
            expected = self.sums["expected"][i]
            lo, hi = sorted((self.sums["low"][i], self.sums["high"][i]))
            out.append(
                Week(
                    self.start + timedelta(days=7 * i),
                    expected,
                    min(lo, expected),
                    max(hi, expected),
                    self.sums["due"][i],
                )
            )
        return out


def forecast(
    items: Iterable[OpenAmount],
    customers: dict[uuid.UUID, Lateness],
    segment: Lateness,
    start: date,
    weeks: int,
) -> list[Week]:
    """Expected cash per week from ``start`` (a Monday) for ``weeks`` weeks.

    ``low`` is the cash if every customer pays at the late edge of their
    band, ``high`` at the early edge (so low ≤ high for cumulative cash).
    Amounts shifted beyond the horizon drop out of it; amounts due later
    that a customer's habit brings into it count.
    """
    sums = WeekSums(start, weeks)
    shifts: dict[uuid.UUID, Shift] = {}  # per customer once
    for item in items:
        shift = shifts.get(item.customer_id)
        if shift is None:
            shift = shifts[item.customer_id] = shift_of(
                blended(customers.get(item.customer_id), segment)
            )
        for kind, day, amount in cash_days(item.due_on, item.amount, shift):
            sums.add(kind, day, amount)
    return sums.result()


def wape(actual: Sequence[Decimal], predicted: Sequence[Decimal]) -> Decimal | None:
    """Weighted absolute percentage error: Σ|actual - predicted| / Σ actual (None with no cash)."""
    total = sum(actual, Decimal(0))
    if total == 0:
        return None
    error = sum((abs(a - p) for a, p in zip(actual, predicted, strict=True)), Decimal(0))
    return (error / total).quantize(Decimal("0.0001"))
