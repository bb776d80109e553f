"""Customer CSV imports on the shared import-job mechanism (:mod:`crm_shared.imports`).

The mechanism decodes the file, finds the header, keeps the upload, runs the
job chunk by chunk in the worker and reports per-row errors; this module is
the customers' half: which columns mean what (our own header, Salesforce
accounts, HubSpot companies), and how one chunk of rows becomes customers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared import outbox, phones
from crm_shared.db import utcnow
from crm_shared.errors import Conflict
from crm_shared.imports import ImportRow, ImportSpec, JobInfo, RowOutcome

from . import identity, lookups
from .contacts import publish_contact
from .models import Contact, Customer, OwnershipChange, Pool
from .ownership_limits import check_owned_limit
from .records import created_event, profile_values

FIELDS = frozenset(
    {
        "name",
        "kind",
        "email",
        "phone",
        "company",
        "industry",
        "region",
        "size",
        "address_line",
        "city",
        "postal_code",
        "country",
        "latitude",
        "longitude",
        "tags",
        "score",
        "contact_name",
        "contact_title",
        "contact_email",
        "contact_phone",
    }
)

SPEC = ImportSpec(
    kind="customers",
    fields=FIELDS,
    presets={
        "crm": {name: name for name in FIELDS},
        "salesforce": {
            "Account Name": "name",
            "Industry": "industry",
            "Phone": "phone",
            "Billing Street": "address_line",
            "Billing City": "city",
            "Billing State/Province": "region",
            "Billing Zip/Postal Code": "postal_code",
            "Billing Country": "country",
            "Billing Latitude": "latitude",
            "Billing Longitude": "longitude",
            "Type": "kind",
        },
        "hubspot": {
            "Company name": "name",
            "Industry": "industry",
            "Phone Number": "phone",
            "Street Address": "address_line",
            "City": "city",
            "State/Region": "region",
            "Postal Code": "postal_code",
            "Country/Region": "country",
        },
    },
    required_any=("name",),
    purpose="customer-import",
)

_SIZES = {"micro", "small", "medium", "large", "enterprise"}


def _validate(values: dict[str, str]) -> dict[str, Any]:
    """A row's values checked like the API's; raises ValidationError naming the field."""
    from .schemas.contacts import ContactInSchema
    from .schemas.customers import CustomerInSchema

    profile: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith("contact_")}
    if "kind" in profile:
        profile["kind"] = "person" if profile["kind"].strip().lower() == "person" else "company"
    if "country" in profile:
        # "China", "中国", "PRC" and the like are read as their ISO code.
        country = profile["country"].strip()
        profile["country"] = phones.region_for_country(country) or country.upper()
    if "size" in profile:
        profile["size"] = profile["size"].strip().lower()
    if "tags" in profile:
        profile["tags"] = [t for t in profile["tags"].replace(",", ";").split(";") if t.strip()]
    data = CustomerInSchema().load(profile)
    contact = {k.removeprefix("contact_"): v for k, v in values.items() if k.startswith("contact_")}
    if contact:
        contact.setdefault("name", data["name"])
        data["contacts"] = [ContactInSchema().load(contact)]
    return data


class CustomerImporter:
    """Implements :class:`crm_shared.imports.ImportProcessor` for customers.

    Options: ``in_pool`` (customers go into the pool unowned; otherwise the
    uploader owns them, within their ownership limit) and ``pool_id``. A row
    is a duplicate when a customer of the same name (ignoring case) with the
    same email or phone exists, or appeared earlier in the file.
    """

    spec = SPEC

    def __init__(self, region: str = "US") -> None:
        self.region = region

    def process(
        self, session: Session, job: JobInfo, rows: Sequence[ImportRow]
    ) -> list[RowOutcome]:
        """Validate, deduplicate and insert one chunk of rows."""
        options = job.options or {}
        # Without an uploader (or with in_pool) the customers go into the pool unowned.
        owner_id = None if options.get("in_pool") else job.created_by
        pool = session.get(Pool, uuid.UUID(options["pool_id"])) if options.get("pool_id") else None
        pool = pool or lookups.default_pool(session)
        team_id = uuid.UUID(options["team_id"]) if options.get("team_id") else None
        outcomes: list[RowOutcome] = []
        for row in rows:
            try:
                data = identity.clean_phones(_validate(row.values), self.region)
            except ValidationError as exc:
                field, message = _first_error(exc.messages)
                outcomes.append(RowOutcome(row.line, "failed", message, field))
                continue
            warning = (
                None
                if data.get("phone_verified", True)
                else "phone: is not a valid phone number; kept as given, unverified"
            )
            if self._duplicate(session, data):
                outcomes.append(RowOutcome(row.line, "duplicate", "customer exists"))
                continue
            if owner_id is not None:
                try:
                    check_owned_limit(session, owner_id, team_id)
                except Conflict as exc:
                    outcomes.append(RowOutcome(row.line, "failed", exc.detail, "owner"))
                    continue
            customer = self._insert(session, data, pool.id, owner_id, team_id, job)
            outcomes.append(
                RowOutcome(
                    row.line,
                    "imported",
                    record_id=str(customer.id),
                    warning=warning,
                    warning_field="phone" if warning else None,
                )
            )
        return outcomes

    @staticmethod
    def _duplicate(session: Session, data: dict[str, Any]) -> bool:
        if data.get("email") or data.get("phone"):
            found = identity.find_duplicate(
                session, data["name"], data.get("email"), data.get("phone")
            )
            return found is not None
        same_name = func.lower(Customer.name) == data["name"].strip().lower()
        statement = select(Customer.id).where(
            same_name, Customer.email.is_(None), Customer.phone.is_(None)
        )
        return session.scalar(statement.limit(1)) is not None

    @staticmethod
    def _insert(
        session: Session,
        data: dict[str, Any],
        pool_id: uuid.UUID,
        owner_id: uuid.UUID | None,
        team_id: uuid.UUID | None,
        job: JobInfo,
    ) -> Customer:
        now = utcnow()
        values = profile_values(data)
        customer = Customer(
            id=uuid.uuid4(),
            **{"tags": [], "custom_fields": {}, **values},
            source=f"import:{job.filename}"[:100],
            pool_id=pool_id,
            owner_id=owner_id,
            team_id=team_id if owner_id else None,
            created_at=now,
            updated_at=now,
            claimed_at=now if owner_id else None,
            released_at=None if owner_id else now,
        )
        session.add(customer)
        session.flush()  # contacts and history refer to it
        added = []
        for contact in data.get("contacts") or []:
            contact.pop("is_primary", None)
            added.append(
                Contact(
                    customer_id=customer.id,
                    created_by=job.created_by,
                    is_primary=True,
                    created_at=now,
                    updated_at=now,
                    **contact,
                )
            )
        session.add_all(added)
        session.add(
            OwnershipChange(
                customer_id=customer.id,
                action="created",
                to_owner_id=owner_id,
                actor_id=job.created_by,
                pool_id=pool_id,
                reason=f"imported from {job.filename}"[:500],
                at=now,
            )
        )
        session.flush()
        outbox.publish(session, "customer.created", created_event(customer), subject=customer.id)
        for contact in added:
            publish_contact(session, contact, owner_id, created=True)
        return customer


def _first_error(messages: Any, prefix: str = "") -> tuple[str, str]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            return _first_error(value, "" if key == "_schema" else name)
    if isinstance(messages, list) and messages:
        if isinstance(messages[0], str):
            return prefix or "(row)", messages[0]
        return _first_error(messages[0], prefix)
    return prefix or "(row)", str(messages)
