"""Receivables aging buckets, DSO and collection rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

BUCKETS = ("current", "0_30", "31_60", "61_90", "90_plus")


def bucket_of(due_on: date, today: date) -> str:
    """The aging bucket of an amount due on ``due_on``: not yet due, or days past due."""
    late = (today - due_on).days
    if late <= 0:
        return "current"
    if late <= 30:
        return "0_30"
    if late <= 60:
        return "31_60"
    if late <= 90:
        return "61_90"
    return "90_plus"


def bucket_edges(today: date) -> dict[str, tuple[date | None, date | None]]:
    """Each bucket as a due-date range (inclusive; None = open-ended) for SQL filters."""
    return {
        "current": (today, None),
        "0_30": (today - timedelta(days=30), today - timedelta(days=1)),
        "31_60": (today - timedelta(days=60), today - timedelta(days=31)),
        "61_90": (today - timedelta(days=90), today - timedelta(days=61)),
        "90_plus": (None, today - timedelta(days=91)),
    }


def dso(outstanding: Decimal, billed_in_period: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding: receivables over what was billed in ``days``, times ``days``."""
    if billed_in_period <= 0:
        return None
    return (outstanding / billed_in_period * days).quantize(Decimal("0.1"))


def collection_rate(received: Decimal, due: Decimal) -> Decimal | None:
    """Share of the amount due in a period that was received (0-1), None when nothing was due."""
    if due <= 0:
        return None
    return (received / due).quantize(Decimal("0.0001"))


# Stored sums are whole numbers of ten-thousandths (Money's scale), so adding
# them up is exact on every database, SQLite's float SUM included.
UNITS = 10_000


def to_units(amount: Decimal) -> int:
    """An amount as a whole number of ten-thousandths (raises if it has more digits)."""
    scaled = amount * UNITS
    whole = scaled.to_integral_value()
    if scaled != whole:
        raise ValueError(f"{amount} has more than 4 decimal places")
    return int(whole)


def from_units(units: int) -> Decimal:
    """The amount of a whole number of ten-thousandths."""
    return Decimal(int(units)).scaleb(-4)


def collection_periods(today: date) -> list[tuple[date, date]]:
    """This month so far and the two months before it, newest first."""
    periods = []
    start, end = today.replace(day=1), today
    for _ in range(3):
        periods.append((start, end))
        end = start - timedelta(days=1)
        start = end.replace(day=1)
    return periods


DSO_DAYS = 90

# The figures kept per customer (owner, team, currency) as of a date.
FIGURES = (
    "outstanding",
    *BUCKETS,
    "due_0",
    "received_0",
    "due_1",
    "received_1",
    "due_2",
    "received_2",
    "billed",
)


def balance(
    dues: Iterable[tuple[Decimal, Decimal, date]],
    billed: Iterable[tuple[Decimal, date]],
    as_of: date,
) -> dict[str, Decimal]:
    """Receivable figures as of ``as_of`` from (amount, received, due_on) of live installments
    and (amount, created_on) of live orders: outstanding and its buckets, what fell due and
    was received in each collection period, and what was billed in the last ``DSO_DAYS``.
    """
    out = dict.fromkeys(FIGURES, Decimal(0))
    periods = collection_periods(as_of)
    for amount, received, due_on in dues:
        if received < amount:
            lacking = amount - received
            out["outstanding"] += lacking
            out[bucket_of(due_on, as_of)] += lacking
        for i, (start, end) in enumerate(periods):
            if start <= due_on <= end:
                out[f"due_{i}"] += amount
                out[f"received_{i}"] += received
    since = as_of - timedelta(days=DSO_DAYS)
    for amount, created_on in billed:
        if created_on >= since:
            out["billed"] += amount
    return out
