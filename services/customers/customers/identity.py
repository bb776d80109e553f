"""Customer identity: phones cleaned in the customer's country, duplicates found.

Phones go through :mod:`crm_shared.phones` (E.164 when they can be read in
the customer's ``country`` or the organisation's default region, else kept
as given with ``phone_verified`` false). A customer entered through the API
that matches an existing one (:func:`customers.rules.identity.same_customer`)
is refused with 409 unless the caller says it is a different customer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_shared import phones
from crm_shared.errors import Conflict

from . import access
from .access import Reach
from .models import Customer
from .rules.identity import same_customer


def clean_phones(data: dict[str, Any], region: str, country: str | None = None) -> dict[str, Any]:
    """``data`` with its phone (and its contacts' phones) cleaned; sets ``phone_verified``."""
    values = dict(data)
    read_in = phones.pick_region(values.get("country") or country, region)
    if "phone" in values:
        cleaned = phones.clean(values["phone"], read_in)
        values["phone"] = cleaned.value[:40] if cleaned else None
        values["phone_verified"] = cleaned.verified if cleaned else True
    if values.get("contacts"):
        values["contacts"] = [clean_contact_phone(c, read_in) for c in values["contacts"]]
    return values


def clean_contact_phone(contact: dict[str, Any], region: str | None) -> dict[str, Any]:
    """A contact's values with its phone in E.164 when it can be read, else as given."""
    values = dict(contact)
    if "phone" in values:
        cleaned = phones.clean(values["phone"], region)
        values["phone"] = cleaned.value[:40] if cleaned else None
    return values


def find_duplicate(
    session: Session, name: str, email: str | None, phone: str | None
) -> Customer | None:
    """An existing (not erased) customer with the same name and the same email or phone."""
    keys = []
    if email:
        keys.append(Customer.email == email.lower())
    if phone:
        keys.append(Customer.phone == phone)
    if not keys:
        return None
    candidates = session.scalars(
        select(Customer)
        .where(or_(*keys), Customer.erased_at.is_(None))
        .order_by(Customer.created_at, Customer.id)
        .limit(50)
    )
    return next(
        (c for c in candidates if same_customer(name, email, phone, c.name, c.email, c.phone)),
        None,
    )


def refuse_duplicate(
    session: Session, r: Reach, name: str, email: str | None, phone: str | None
) -> None:
    """409 when the customer exists, naming it only when the caller may see it."""
    existing = find_duplicate(session, name, email, phone)
    if existing is None:
        return
    if access.may_view(session, r, existing):
        raise Conflict(
            "a customer with this name and the same email or phone exists; "
            'send "different_customer": true if this is another one',
            existing_id=str(existing.id),
        )
    raise Conflict(
        "a customer with this name and the same email or phone exists; "
        'send "different_customer": true if this is another one'
    )
