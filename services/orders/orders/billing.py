"""Payment rules: what a payment may be, and what it does to an order. Plain Python."""

from __future__ import annotations

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
