"""An installment's status, derived from its receipts and the date — never a stored flag.

``void`` when the plan dropped it; ``paid`` once receipts cover it; then
``overdue`` when its due date has passed (partly paid or not); ``partial``
when something but not all was received; ``pending`` otherwise.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

STATUSES = ("pending", "partial", "paid", "overdue", "void")


def installment_status(
    amount: Decimal, received: Decimal, due_on: date, today: date, *, void: bool = False
) -> str:
    """The status of an installment of ``amount`` with ``received`` so far, on ``today``."""
    if void:
        return "void"
    if received >= amount:
        return "paid"
    if today > due_on:
        return "overdue"
    if received > 0:
        return "partial"
    return "pending"


def days_overdue(due_on: date, today: date) -> int:
    """Whole days past the due date (0 when not yet due)."""
    return max(0, (today - due_on).days)
