"""Catalog use cases: categories, products and their list prices, price lists."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate
from crm_shared.schemas import check_amount

from .models import Category, PriceList, PriceListItem, Product
from .rules.pricing import Buyer, PriceRule, best_price


def create_category(session: Session, data: dict[str, Any]) -> Category:
    """A new category, under ``parent_id`` when given."""
    parent = data.get("parent_id")
    if parent is not None and session.get(Category, parent) is None:
        raise ValidationFailed.field("parent_id", "no such category")
    category = Category(id=uuid.uuid4(), name=data["name"], parent_id=parent, created_at=utcnow())
    session.add(category)
    session.flush()
    return category


def category_tree(session: Session) -> list[dict[str, Any]]:
    """Every category as a tree (roots first, children nested, by name)."""
    rows = list(session.scalars(select(Category).order_by(Category.name)))
    nodes: dict[uuid.UUID, dict[str, Any]] = {
        c.id: {"id": c.id, "name": c.name, "parent_id": c.parent_id, "children": []} for c in rows
    }
    roots = []
    for c in rows:
        node = nodes[c.id]
        if c.parent_id in nodes:
            nodes[c.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


def _check_prices(prices: dict[str, Decimal]) -> dict[str, str]:
    out = {}
    for currency, price in prices.items():
        problem = check_amount(price, currency)
        if problem or price < 0:
            raise ValidationFailed.field(
                f"list_prices.{currency}", problem or "must not be negative"
            )
        out[currency] = str(price)
    return out


def create_product(session: Session, data: dict[str, Any]) -> Product:
    """A new product; the SKU is unique."""
    if data.get("category_id") and session.get(Category, data["category_id"]) is None:
        raise ValidationFailed.field("category_id", "no such category")
    if session.scalar(select(Product.id).where(Product.sku == data["sku"])):
        raise ValidationFailed.field("sku", "is already used by another product")
    now = utcnow()
    product = Product(
        id=uuid.uuid4(),
        sku=data["sku"],
        name=data["name"],
        unit=data.get("unit") or "unit",
        category_id=data.get("category_id"),
        tax_rate=data.get("tax_rate", Decimal(0)),
        status="active",
        list_prices=_check_prices(data.get("list_prices") or {}),
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent product took the SKU
        raise Conflict("the SKU was taken meanwhile") from exc
    return product


def get_product(session: Session, product_id: uuid.UUID) -> Product:
    """One product; 404 otherwise."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("no such product")
    return product


def update_product(session: Session, product_id: uuid.UUID, data: dict[str, Any]) -> Product:
    """Change a product's name, unit, tax rate, prices or status (retired: kept on documents)."""
    product = get_product(session, product_id)
    for key in ("name", "unit", "tax_rate", "status", "category_id"):
        if key in data:
            setattr(product, key, data[key])
    if "list_prices" in data:
        product.list_prices = _check_prices(data["list_prices"])
    product.updated_at = utcnow()
    return product


def list_products(session: Session, args: dict[str, Any]) -> tuple[list[Product], str | None]:
    """A page of products by SKU, optionally by status or category."""
    statement = select(Product)
    if args.get("status"):
        statement = statement.where(Product.status == args["status"])
    if args.get("category_id"):
        statement = statement.where(Product.category_id == args["category_id"])
    keys = [SortKey(Product.sku, "sku"), SortKey(Product.id, "id")]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def create_price_list(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """A price list with its items (fixed price or % off, minimum quantity)."""
    if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        raise ValidationFailed.field("valid_to", "must not be before valid_from")
    price_list = PriceList(
        id=uuid.uuid4(),
        name=data["name"],
        currency=data["currency"],
        customer_tier=data.get("customer_tier"),
        region=data.get("region"),
        customer_ids=[str(c) for c in data.get("customer_ids") or []],
        valid_from=data.get("valid_from"),
        valid_to=data.get("valid_to"),
        created_at=utcnow(),
    )
    session.add(price_list)
    for i, item in enumerate(data["items"]):
        if session.get(Product, item["product_id"]) is None:
            raise ValidationFailed.field(f"items.{i}.product_id", "no such product")
        if (item.get("fixed_price") is None) == (item.get("percent_off") is None):
            raise ValidationFailed.field(
                f"items.{i}", "give exactly one of fixed_price or percent_off"
            )
        if item.get("fixed_price") is not None:
            problem = check_amount(item["fixed_price"], data["currency"])
            if problem or item["fixed_price"] < 0:
                raise ValidationFailed.field(
                    f"items.{i}.fixed_price", problem or "must not be negative"
                )
        session.add(
            PriceListItem(
                id=uuid.uuid4(),
                price_list_id=price_list.id,
                product_id=item["product_id"],
                min_quantity=item.get("min_quantity", Decimal(1)),
                fixed_price=item.get("fixed_price"),
                percent_off=item.get("percent_off"),
            )
        )
    session.flush()
    return price_list_view(session, price_list)


def price_list_view(session: Session, price_list: PriceList) -> dict[str, Any]:
    """A price list with its items."""
    items = session.scalars(
        select(PriceListItem).where(PriceListItem.price_list_id == price_list.id)
    )
    return {
        "id": price_list.id,
        "name": price_list.name,
        "currency": price_list.currency,
        "customer_tier": price_list.customer_tier,
        "region": price_list.region,
        "customer_ids": price_list.customer_ids,
        "valid_from": price_list.valid_from,
        "valid_to": price_list.valid_to,
        "items": [
            {
                "product_id": i.product_id,
                "min_quantity": i.min_quantity,
                "fixed_price": i.fixed_price,
                "percent_off": i.percent_off,
                "currency": price_list.currency,
            }
            for i in items
        ],
    }


def list_price_lists(session: Session) -> list[dict[str, Any]]:
    """Every price list, by name."""
    return [
        price_list_view(session, p)
        for p in session.scalars(select(PriceList).order_by(PriceList.name))
    ]


def price_rules(
    session: Session, product_ids: list[uuid.UUID], currency: str
) -> dict[uuid.UUID, list[PriceRule]]:
    """The price list entries of ``product_ids`` in ``currency``, per product."""
    rows = session.execute(
        select(PriceListItem, PriceList)
        .join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .where(PriceListItem.product_id.in_(product_ids), PriceList.currency == currency)
    ).all()
    found: dict[uuid.UUID, list[PriceRule]] = {}
    for item, plist in rows:
        found.setdefault(item.product_id, []).append(
            PriceRule(
                price_list_id=plist.id,
                currency=plist.currency,
                valid_from=plist.valid_from,
                valid_to=plist.valid_to,
                min_quantity=item.min_quantity,
                fixed_price=item.fixed_price,
                percent_off=item.percent_off,
                customer_tier=plist.customer_tier,
                region=plist.region,
                customer_ids=tuple(uuid.UUID(c) for c in plist.customer_ids),
            )
        )
    return found


def price_for(
    product: Product,
    rules: list[PriceRule],
    buyer: Buyer,
    currency: str,
    quantity: Decimal,
    on: date,
    minor: int,
) -> tuple[Decimal | None, Decimal | None, uuid.UUID | None]:
    """(list price, best unit price, price list giving it) of ``product``."""
    raw = product.list_prices.get(currency)
    list_price = Decimal(raw) if raw is not None else None
    price, list_id = best_price(list_price, rules, buyer, currency, quantity, on, minor)
    return list_price, price, list_id
