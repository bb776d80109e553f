"""Customers as the API shows them: a pool's hidden fields blanked until someone claims it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import lookups, runtime_settings
from .models import (
    Collaborator,
    Customer,
)
from .rules.access import Reach, hidden_fields

ADDRESS_FIELDS = ("address_line", "city", "postal_code", "country", "latitude", "longitude")


HIDEABLE = ("email", "phone", "address", "contacts", "custom_fields")


def hidden_for(
    r: Reach, customer: Customer, hidden_by_pool: dict[uuid.UUID, list[str]]
) -> set[str]:
    """The fields masked for this caller (the rule: ``rules.access.hidden_fields``)."""
    return hidden_fields(r, customer, hidden_by_pool.get(customer.pool_id, ()))


def present(customer: Customer, hidden: set[str], currency: str = "USD") -> dict[str, Any]:
    """The customer as the API shows it, with hidden fields blanked."""
    data = {c.key: getattr(customer, c.key) for c in Customer.__table__.columns}
    data.pop("version", None)
    data.pop("recycle_warned_for", None)
    data["in_pool"] = customer.owner_id is None
    data["value_currency"] = currency
    if "email" in hidden:
        data["email"] = None
    if "phone" in hidden:
        data["phone"] = None
    if "address" in hidden:
        for name in ADDRESS_FIELDS:
            data[name] = None
    if "custom_fields" in hidden:
        data["custom_fields"] = {}
    data["hidden_fields"] = sorted(hidden)
    return data


def present_many(session: Session, r: Reach, customers: list[Customer]) -> list[dict[str, Any]]:
    """Several customers for one caller (one pool lookup for all)."""
    hidden_by_pool = lookups.hidden_fields_by_pool(session)
    currency = runtime_settings.tier_currency(session)
    return [present(c, hidden_for(r, c, hidden_by_pool), currency) for c in customers]


def present_one(session: Session, r: Reach, customer: Customer) -> dict[str, Any]:
    """One customer for one caller, with its collaborators."""
    data = present_many(session, r, [customer])[0]
    data["collaborator_ids"] = list(
        session.scalars(
            select(Collaborator.user_id)
            .where(Collaborator.customer_id == customer.id)
            .order_by(Collaborator.added_at)
        )
    )
    return data
