"""Line items of a deal: the amount of a line and of all of them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal


def line_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal, places: int) -> Decimal:
    """Quantity times unit price less a percent discount, in the currency's minor units."""
    gross = quantity * unit_price * (Decimal(100) - discount) / Decimal(100)
    return gross.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)


def lines_total(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of line amounts."""
    return sum(amounts, Decimal(0))


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: ``10.0000`` -> ``10``, ``0.50`` -> ``0.5``."""
    text = format(value.normalize(), "f")
    return text
