"""Quotes and contracts, with their priced lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import Money, UTCDateTime, new_id, utcnow

from .base import Base, Percent, Quantity


class PricedDocument:
    """Columns every priced document shares."""

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    document_discount: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    discount_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineColumns:
    """Columns every priced line shares (copied from the product: retired ones stay)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(30), default="unit")
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    list_price: Mapped[Decimal | None] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    price_list_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    discount: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    net_amount: Mapped[Decimal] = mapped_column(Money)
    document_discount: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)  # taxable: after both discounts
    tax_amount: Mapped[Decimal] = mapped_column(Money)


class Quote(PricedDocument, Base):
    """A quote; a revision is a new row (version + 1) with the same ``root_id``."""

    __tablename__ = "quotes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    root_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="")
    customer_name: Mapped[str | None] = mapped_column(String(300))
    customer_tier: Mapped[str | None] = mapped_column(String(50))
    region: Mapped[str | None] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuoteLine(LineColumns, Base):
    """A line of a quote."""

    __tablename__ = "quote_lines"

    quote_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )


class Contract(PricedDocument, Base):
    """A contract (合同); an amendment is a new row (version + 1) with the same number."""

    __tablename__ = "contracts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(40), index=True)
    previous_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    renewed_from_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    quote_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    our_signatory: Mapped[str | None] = mapped_column(String(200))
    their_signatory: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[date | None] = mapped_column(Date)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date, index=True)
    terms: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attachment_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated stored file ids

    __table_args__ = (Index("uq_contracts_number_version", "number", "version", unique=True),)


class ContractLine(LineColumns, Base):
    """A line of a contract."""

    __tablename__ = "contract_lines"

    contract_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )


class ContractCounter(Base):
    """The last contract number of a year; locked while a number is taken (no gaps)."""

    __tablename__ = "contract_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
