"""The declarative base over the orders service's own MetaData."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import DeclarativeBase

from crm_shared.db import Money, new_metadata


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


# Percentages (discounts, tax rates) and quantities: exact decimals.
# Money's type stores exact text on SQLite (NUMERIC there goes through a float).
Percent = Money
Quantity = Money
ZERO = Decimal(0)
