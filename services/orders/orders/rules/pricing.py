"""Which price a line gets: the best applicable price list, else the list price."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .totals import HUNDRED, round_money


@dataclass(frozen=True)
class PriceRule:
    """One entry of a price list for one product."""

    price_list_id: uuid.UUID
    currency: str
    valid_from: date | None
    valid_to: date | None
    min_quantity: Decimal
    fixed_price: Decimal | None = None
    percent_off: Decimal | None = None
    customer_tier: str | None = None
    region: str | None = None
    customer_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Buyer:
    """What price lists may look at about the customer."""

    customer_id: uuid.UUID
    tier: str | None = None
    region: str | None = None


def applies(rule: PriceRule, buyer: Buyer, currency: str, quantity: Decimal, on: date) -> bool:
    """Whether ``rule`` may price ``quantity`` for ``buyer`` in ``currency`` on ``on``."""
    if rule.currency != currency or quantity < rule.min_quantity:
        return False
    if rule.valid_from is not None and on < rule.valid_from:
        return False
    if rule.valid_to is not None and on > rule.valid_to:
        return False
    if rule.customer_ids and buyer.customer_id not in rule.customer_ids:
        return False
    if rule.customer_tier is not None and rule.customer_tier != buyer.tier:
        return False
    return rule.region is None or rule.region == buyer.region


def rule_price(rule: PriceRule, list_price: Decimal | None, minor_units: int) -> Decimal | None:
    """The unit price ``rule`` gives (None when it is a % off and there is no list price)."""
    if rule.fixed_price is not None:
        return rule.fixed_price
    if rule.percent_off is not None and list_price is not None:
        return round_money(list_price * (HUNDRED - rule.percent_off) / HUNDRED, minor_units)
    return None


def best_price(
    list_price: Decimal | None,
    rules: Sequence[PriceRule],
    buyer: Buyer,
    currency: str,
    quantity: Decimal,
    on: date,
    minor_units: int,
) -> tuple[Decimal | None, uuid.UUID | None]:
    """The lowest unit price among the list price and every applicable rule, and its list."""
    best: tuple[Decimal | None, uuid.UUID | None] = (list_price, None)
    for rule in rules:
        if not applies(rule, buyer, currency, quantity, on):
            continue
        price = rule_price(rule, list_price, minor_units)
        if price is not None and (best[0] is None or price < best[0]):
            best = (price, rule.price_list_id)
    return best
