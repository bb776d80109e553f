"""Catalog CSV: products imported through the shared import jobs, and exported.

Columns (headers matched case-insensitively; Chinese headers too): ``sku``,
``name``, ``unit``, ``tax_rate`` (percent), ``currency`` and ``list_price``.
A row whose SKU exists already is reported as a duplicate and left alone;
a bad row is reported with its line and field, and the others still import.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.db import Database, utcnow
from crm_shared.imports import ImportRow, ImportSpec, JobInfo, RowOutcome, run_pending
from crm_shared.schemas import check_amount, currencies

from .models import Product

SPEC = ImportSpec(
    kind="products",
    fields=frozenset({"sku", "name", "unit", "tax_rate", "currency", "list_price"}),
    presets={
        "orders": {
            "sku": "sku",
            "name": "name",
            "unit": "unit",
            "tax_rate": "tax_rate",
            "currency": "currency",
            "list_price": "list_price",
            "编码": "sku",
            "产品编码": "sku",
            "名称": "name",
            "产品名称": "name",
            "单位": "unit",
            "税率": "tax_rate",
            "币种": "currency",
            "标准价": "list_price",
            "价格": "list_price",
        }
    },
    required_any=("sku",),
    purpose="product-import",
)
EXPORT_COLUMNS = ("sku", "name", "unit", "tax_rate", "status", "currency", "list_price")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def check_row(values: dict[str, str]) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """The product a row describes, or (None, field, why) when it is refused."""
    sku = (values.get("sku") or "").strip()
    name = (values.get("name") or "").strip()
    if not sku or len(sku) > 64:
        return None, "sku", "is required (at most 64 characters)"
    if not name or len(name) > 300:
        return None, "name", "is required (at most 300 characters)"
    tax = _decimal(values.get("tax_rate") or "0")
    if tax is None or not 0 <= tax <= 100:
        return None, "tax_rate", "must be a percentage 0 to 100"
    prices: dict[str, str] = {}
    if (values.get("list_price") or "").strip():
        currency = (values.get("currency") or "").strip().upper()
        if currency not in currencies():
            return None, "currency", "is not an ISO 4217 currency code"
        price = _decimal(values["list_price"])
        if price is None or price < 0 or check_amount(price, currency):
            return None, "list_price", f"is not an amount of {currency}"
        prices[currency] = str(price)
    unit = (values.get("unit") or "").strip()[:30] or "unit"
    return (
        {"sku": sku, "name": name, "unit": unit, "tax_rate": tax, "list_prices": prices},
        None,
        None,
    )


class ProductImport:
    """The orders half of a product import."""

    spec = SPEC

    def process(
        self, session: Session, job: JobInfo, rows: Sequence[ImportRow]
    ) -> list[RowOutcome]:
        """Insert each new product; existing SKUs (in the table or the file) are duplicates."""
        skus = [(r.values.get("sku") or "").strip() for r in rows]
        known = set(
            session.scalars(select(Product.sku).where(Product.sku.in_([s for s in skus if s])))
        )
        outcomes = []
        now = utcnow()
        for row in rows:
            product, field, why = check_row(row.values)
            if product is None:
                outcomes.append(RowOutcome(row.line, "failed", why, field))
                continue
            if product["sku"] in known:
                outcomes.append(RowOutcome(row.line, "duplicate", "the SKU exists", "sku"))
                continue
            known.add(product["sku"])
            product_id = uuid.uuid4()
            session.add(
                Product(id=product_id, status="active", created_at=now, updated_at=now, **product)
            )
            outcomes.append(RowOutcome(row.line, "imported", record_id=str(product_id)))
        session.flush()
        return outcomes


PROCESSOR = ProductImport()


def import_job(db: Database, _settings: Any) -> int:
    """The worker job: process waiting product imports."""
    return run_pending(db, PROCESSOR)


def export_csv(session: Session) -> str:
    """Every product as CSV, one row per list price (a product without one gets one row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for p in session.scalars(select(Product).order_by(Product.sku)):
        prices = sorted(p.list_prices.items()) or [("", "")]
        for currency, price in prices:
            writer.writerow(
                [
                    p.sku,
                    p.name,
                    p.unit,
                    format(p.tax_rate.normalize(), "f"),
                    p.status,
                    currency,
                    price,
                ]
            )
    return out.getvalue()
