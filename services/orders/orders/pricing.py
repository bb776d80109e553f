"""Pricing a document's lines from the catalog, and its totals by the rounding rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.errors import ValidationFailed
from crm_shared.schemas import check_amount, minor_units

from . import catalog
from .models import Product
from .rules.pricing import Buyer
from .rules.totals import LineIn, Totals, compute


def price_lines(
    session: Session, lines: Sequence[dict[str, Any]], currency: str, buyer: Buyer, on: date
) -> list[dict[str, Any]]:
    """Each input line with its name, list price and unit price filled in.

    A catalog line (``product_id``) must name an active product and is priced
    by the best applicable price list (else the list price in ``currency``); a
    free line gives its own name, unit price and tax rate.
    """
    if not lines:
        raise ValidationFailed.field("lines", "a document needs at least one line")
    ids = [line["product_id"] for line in lines if line.get("product_id")]
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    rules = catalog.price_rules(session, ids, currency) if ids else {}
    minor = minor_units(currency)
    priced = []
    for i, line in enumerate(lines):
        where = f"lines.{i}"
        quantity: Decimal = line["quantity"]
        if quantity <= 0:
            raise ValidationFailed.field(f"{where}.quantity", "must be greater than zero")
        discount: Decimal = line.get("discount") or Decimal(0)
        if not 0 <= discount <= 100:
            raise ValidationFailed.field(f"{where}.discount", "must be 0 to 100 percent")
        out = {"position": i + 1, "quantity": quantity, "discount": discount, "price_list_id": None}
        if line.get("product_id"):
            product = products.get(line["product_id"])
            if product is None:
                raise ValidationFailed.field(f"{where}.product_id", "no such product")
            if product.status != "active":
                raise ValidationFailed.field(
                    f"{where}.product_id", f"product {product.sku} is retired"
                )
            list_price, price, list_id = catalog.price_for(
                product, rules.get(product.id, []), buyer, currency, quantity, on, minor
            )
            if price is None:
                raise ValidationFailed.field(
                    f"{where}.product_id", f"product {product.sku} has no price in {currency}"
                )
            out.update(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                list_price=list_price,
                unit_price=price,
                price_list_id=list_id,
                tax_rate=product.tax_rate,
            )
        else:
            if not (line.get("name") or "").strip() or line.get("unit_price") is None:
                raise ValidationFailed.field(
                    where, "a line without product_id needs name and unit_price"
                )
            problem = check_amount(line["unit_price"], currency)
            if problem or line["unit_price"] < 0:
                raise ValidationFailed.field(
                    f"{where}.unit_price", problem or "must not be negative"
                )
            tax_rate = line.get("tax_rate") or Decimal(0)
            if not 0 <= tax_rate <= 100:
                raise ValidationFailed.field(f"{where}.tax_rate", "must be 0 to 100 percent")
            out.update(
                product_id=None,
                sku=None,
                name=line["name"],
                unit=line.get("unit") or "unit",
                list_price=None,
                unit_price=line["unit_price"],
                tax_rate=tax_rate,
            )
        priced.append(out)
    return priced


def totals_of(lines: Sequence[dict[str, Any]], document_discount: Decimal, currency: str) -> Totals:
    """The rounding rule over priced lines."""
    if not 0 <= document_discount <= 100:
        raise ValidationFailed.field("document_discount", "must be 0 to 100 percent")
    return compute(
        [
            LineIn(line["quantity"], line["unit_price"], line["discount"], line["tax_rate"])
            for line in lines
        ],
        document_discount,
        minor_units(currency),
    )


def apply_totals(
    document: Any, lines: Sequence[dict[str, Any]], totals: Totals
) -> list[dict[str, Any]]:
    """Write ``totals`` on ``document`` and return the lines with their amounts."""
    document.subtotal = totals.subtotal
    document.discount_amount = totals.discount_amount
    document.tax_amount = totals.tax_amount
    document.total = totals.total
    out = []
    for line, amounts in zip(lines, totals.lines, strict=True):
        out.append(
            {
                **line,
                "net_amount": amounts.net,
                "document_discount": amounts.document_discount,
                "amount": amounts.taxable,
                "tax_amount": amounts.tax,
            }
        )
    return out


LINE_FIELDS = (
    "position",
    "product_id",
    "sku",
    "name",
    "unit",
    "quantity",
    "list_price",
    "unit_price",
    "price_list_id",
    "discount",
    "tax_rate",
    "net_amount",
    "document_discount",
    "amount",
    "tax_amount",
)


def copy_line(line: Any) -> dict[str, Any]:
    """A stored line's fields (to copy it onto another document)."""
    return {key: getattr(line, key) for key in LINE_FIELDS}


def max_discount(document_discount: Decimal, lines: Sequence[dict[str, Any]]) -> Decimal:
    """The largest effective discount % a document grants (for approval conditions)."""
    hundred = Decimal(100)
    worst = Decimal(0)
    for line in lines:
        effective = hundred - (hundred - line["discount"]) * (hundred - document_discount) / hundred
        worst = max(worst, effective)
    return worst.quantize(Decimal("0.01"))


def new_line_id() -> uuid.UUID:
    """A new line id."""
    return uuid.uuid4()
