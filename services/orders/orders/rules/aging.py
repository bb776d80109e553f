"""Receivables aging buckets, DSO and collection rate."""

from __future__ import annotations

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
