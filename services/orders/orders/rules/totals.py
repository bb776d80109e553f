"""Totals of a priced document (quote, contract, order), exact to the minor unit.

The rounding rule, written once:

1. A line's net amount is ``quantity x unit price x (1 - line discount %)``,
   rounded half-up to the currency's minor unit (CNY/USD 0.01, JPY 1).
2. The document discount is ``subtotal x document discount %`` rounded
   half-up, where the subtotal is the sum of the rounded line nets. It is
   spread over the lines in proportion to their nets by the largest-remainder
   method, so the shares add up to it exactly.
3. A line's tax is ``(net - its share of the document discount) x tax rate %``
   rounded half-up; the document's tax is the sum of the line taxes.
4. ``total = subtotal - document discount + tax``, which equals the sum of
   every line's taxable amount plus its tax: no cent is lost or made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineIn:
    """A line as priced: quantity, unit price, discount % and tax rate %."""

    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotal:
    """A line's amounts after the rounding rule."""

    net: Decimal  # after the line discount, before the document discount
    document_discount: Decimal  # this line's share of the document discount
    taxable: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        """Taxable amount plus tax."""
        return self.taxable + self.tax


@dataclass(frozen=True)
class Totals:
    """A document's totals and its lines' amounts."""

    lines: tuple[LineTotal, ...]
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    total: Decimal

    @property
    def net_amount(self) -> Decimal:
        """Subtotal less the document discount (the amount before tax)."""
        return self.subtotal - self.discount_amount


def quantum(minor_units: int) -> Decimal:
    """The smallest amount of a currency with ``minor_units`` digits (0.01 for 2)."""
    return Decimal(1).scaleb(-minor_units)


def round_money(amount: Decimal, minor_units: int) -> Decimal:
    """``amount`` rounded half-up to the minor unit."""
    return amount.quantize(quantum(minor_units), rounding=ROUND_HALF_UP)


def allocate(total: Decimal, weights: Sequence[Decimal], minor_units: int) -> list[Decimal]:
    """Split ``total`` over ``weights`` proportionally; the parts add up to ``total`` exactly.

    Largest remainder: every part is first rounded down to the minor unit,
    then the leftover units go one each to the parts with the largest
    remainders (earlier lines first on ties). With no weight, all goes to
    the first part.
    """
    if not weights:
        return []
    unit = quantum(minor_units)
    whole = sum(weights, Decimal(0))
    if whole == 0:
        return [total] + [Decimal(0).quantize(unit)] * (len(weights) - 1)
    raw = [total * w / whole for w in weights]
    parts = [r.quantize(unit, rounding=ROUND_FLOOR) for r in raw]
    left = int(((total - sum(parts, Decimal(0))) / unit).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += unit
    return parts


def line_net(line: LineIn, minor_units: int) -> Decimal:
    """Rule 1: the line's amount after its own discount."""
    return round_money(
        line.quantity * line.unit_price * (HUNDRED - line.discount) / HUNDRED, minor_units
    )


def compute(lines: Sequence[LineIn], document_discount: Decimal, minor_units: int) -> Totals:
    """Apply the rounding rule to a document's lines."""
    nets = [line_net(line, minor_units) for line in lines]
    subtotal = sum(nets, Decimal(0)).quantize(quantum(minor_units))
    discount = round_money(subtotal * document_discount / HUNDRED, minor_units)
    shares = allocate(discount, nets, minor_units)
    out = []
    for line, net, share in zip(lines, nets, shares, strict=True):
        taxable = net - share
        out.append(
            LineTotal(
                net, share, taxable, round_money(taxable * line.tax_rate / HUNDRED, minor_units)
            )
        )
    tax = sum((t.tax for t in out), Decimal(0)).quantize(quantum(minor_units))
    return Totals(tuple(out), subtotal, discount, tax, subtotal - discount + tax)
