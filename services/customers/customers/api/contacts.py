"""Routes of contacts: a customer's list and new ones, and one contact."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    idempotent,
)

from .. import contacts
from ..schemas.contacts import (
    ContactInSchema,
    ContactListSchema,
    ContactPatchSchema,
    ContactSchema,
)
from .common import region
from .customers import blp

contacts_blp = Blueprint(
    "contacts", __name__, url_prefix="/api/v1/contacts", description="Contacts"
)


@blp.get("/<uuid:customer_id>/contacts")
@blp.response(200, ContactListSchema)
def list_contacts(customer_id: uuid.UUID) -> Any:
    """The customer's contacts, primary first."""
    return {"items": contacts.contacts_of(db_session(), current_principal(), customer_id)}


@blp.post("/<uuid:customer_id>/contacts")
@idempotent
@blp.arguments(ContactInSchema)
@blp.response(201, ContactSchema)
def add_contact(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Add a contact; the first one becomes the primary contact."""
    return contacts.add_contact(db_session(), current_principal(), customer_id, data, region())


@contacts_blp.get("/<uuid:contact_id>")
@contacts_blp.response(200, ContactSchema)
def get_contact(contact_id: uuid.UUID) -> Any:
    """One contact."""
    return contacts.get_contact(db_session(), current_principal(), contact_id)


@contacts_blp.patch("/<uuid:contact_id>")
@contacts_blp.arguments(ContactPatchSchema)
@contacts_blp.response(200, ContactSchema)
def update_contact(data: dict[str, Any], contact_id: uuid.UUID) -> Any:
    """Change a contact; ``is_primary: true`` makes it the primary one."""
    return contacts.update_contact(db_session(), current_principal(), contact_id, data, region())


@contacts_blp.delete("/<uuid:contact_id>")
@contacts_blp.response(204)
def delete_contact(contact_id: uuid.UUID) -> Any:
    """Remove a contact (the oldest other one becomes primary if needed)."""
    contacts.delete_contact(db_session(), current_principal(), contact_id)
    return ""
