"""Receipts and refunds: what may be recorded, and how a receipt splits over installments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.errors import Conflict, ValidationFailed


def check_payment(
    status: str, order_currency: str, outstanding: Decimal, amount: Decimal, currency: str
) -> None:
    """Raise unless ``amount`` in ``currency`` may be recorded against the order."""
    if status == "paid":
        raise Conflict("order is already paid in full")
    if currency != order_currency:
        raise ValidationFailed.field("currency", f"must be the order's currency, {order_currency}")
    if amount > outstanding:
        raise ValidationFailed.field(
            "amount", f"exceeds the outstanding {outstanding} {order_currency}"
        )


def status_after(amount: Decimal, paid: Decimal) -> str:
    """``paid`` once the payments cover the order, else ``open``."""
    return "paid" if paid >= amount else "open"


@dataclass(frozen=True)
class OpenInstallment:
    """An installment with what it still lacks, in due order."""

    id: uuid.UUID
    outstanding: Decimal


def split_receipt(
    amount: Decimal,
    installments: Sequence[OpenInstallment],
    requested: dict[uuid.UUID, Decimal] | None = None,
) -> dict[uuid.UUID, Decimal]:
    """How a receipt of ``amount`` is applied to installments.

    With ``requested`` (installment → amount) the split is the caller's: it
    must add up to ``amount`` and no part may exceed what its installment
    lacks. Without it the receipt pays the earliest installments first.
    """
    lacking = {i.id: i.outstanding for i in installments}
    if requested:
        for key, part in requested.items():
            if key not in lacking:
                raise ValidationFailed.field(
                    "allocations", f"installment {key} is not open on this order"
                )
            if part <= 0:
                raise ValidationFailed.field("allocations", "each part must be greater than zero")
            if part > lacking[key]:
                raise ValidationFailed.field(
                    "allocations", f"{part} exceeds the {lacking[key]} installment {key} lacks"
                )
        if sum(requested.values(), Decimal(0)) != amount:
            raise ValidationFailed.field("allocations", "the parts must add up to the amount")
        return dict(requested)
    split: dict[uuid.UUID, Decimal] = {}
    left = amount
    for item in installments:
        if left <= 0:
            break
        part = min(left, item.outstanding)
        if part > 0:
            split[item.id] = part
            left -= part
    return split


def split_refund(amount: Decimal, paid: Sequence[OpenInstallment]) -> dict[uuid.UUID, Decimal]:
    """A refund takes money back from the latest paid installments first (``outstanding``: paid)."""
    split: dict[uuid.UUID, Decimal] = {}
    left = amount
    for item in reversed(paid):
        if left <= 0:
            break
        part = min(left, item.outstanding)
        if part > 0:
            split[item.id] = part
            left -= part
    return split
