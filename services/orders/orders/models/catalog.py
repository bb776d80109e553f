"""Catalog tables: categories (a tree), products with list prices, price lists."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import JSONType, Money, UTCDateTime, new_id, utcnow

from .base import Base, Percent, Quantity


class Category(Base):
    """A product line or category; ``parent_id`` makes the tree."""

    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("categories.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Product(Base):
    """Something we sell; retired products stay on old documents."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(30), default="unit")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("categories.id"), index=True
    )
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(20), default="active")
    # {currency: "list price"}: one list price per currency, as decimal strings.
    list_prices: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PriceList(Base):
    """Prices for a customer tier, region or named customers, valid for a period."""

    __tablename__ = "price_lists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    customer_tier: Mapped[str | None] = mapped_column(String(50))
    region: Mapped[str | None] = mapped_column(String(100))
    customer_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PriceListItem(Base):
    """A product's price in a list: fixed, or a percentage off its list price."""

    __tablename__ = "price_list_items"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    price_list_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("price_lists.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"))
    min_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(1))
    fixed_price: Mapped[Decimal | None] = mapped_column(Money)
    percent_off: Mapped[Decimal | None] = mapped_column(Percent)

    __table_args__ = (Index("ix_price_list_items_product", "product_id"),)
