"""Customer records: entering (by hand or from a lead), finding, editing, collaborators."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Float, cast, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from crm_shared import outbox, phones
from crm_shared.auth import ADMIN, MANAGER, REP, Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, deadlines, identity, lookups, retention
from .access import Reach
from .contacts import contact_event, publish_contact
from .models import (
    Collaborator,
    Contact,
    Customer,
    Pool,
)
from .ownership_limits import check_owned_limit
from .ownership_log import record
from .presenting import ADDRESS_FIELDS, present_many, present_one
from .rules import geo

PROFILE_FIELDS = (
    "name",
    "kind",
    "email",
    "phone",
    "phone_verified",
    "company",
    "industry",
    "region",
    "size",
    *ADDRESS_FIELDS,
    "tags",
    "custom_fields",
    "score",
)


def created_event(customer: Customer) -> dict[str, Any]:
    """The data of ``customer.created`` for a new customer."""
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "owner_id": customer.owner_id,
        "team_id": customer.team_id,
        "lead_id": customer.lead_id,
        "created_at": customer.created_at,
    }


def pool_for(session: Session, r: Reach, pool_id: uuid.UUID | None) -> Pool:
    """The pool a caller puts a customer in: the default, or one they belong to (else 422)."""
    if pool_id is None:
        return lookups.default_pool(session)
    pool = session.get(Pool, pool_id)
    if pool is None or pool_id not in r.pool_ids:
        raise ValidationFailed.field("pool_id", "no such pool, or not one you belong to")
    return pool


def profile_values(data: dict[str, Any]) -> dict[str, Any]:
    """The profile columns in ``data``, the name trimmed and the email in lower case."""
    values = {k: data[k] for k in PROFILE_FIELDS if k in data}
    if "name" in values:
        values["name"] = values["name"].strip()
    if values.get("email"):
        values["email"] = values["email"].lower()
    return values


def create_customer(
    session: Session, principal: Principal, data: dict[str, Any], region: str = "US"
) -> dict[str, Any]:
    """A customer entered by hand: owned by the caller, or put straight into a pool.

    One matching an existing customer (same name with the same email or
    phone) is refused with 409 unless ``different_customer`` is set.
    """
    if not principal.has_role(REP, MANAGER, ADMIN):
        raise Forbidden("only sellers create customers")
    r = access.reach(session, principal)
    data = identity.clean_phones(data, region)
    if not data.get("different_customer"):
        identity.refuse_duplicate(session, r, data["name"], data.get("email"), data.get("phone"))
    pool = pool_for(session, r, data.get("pool_id"))
    in_pool = bool(data.get("in_pool"))
    now = utcnow()
    if not in_pool:
        check_owned_limit(session, principal.id, principal.team_id)
    customer = Customer(
        id=uuid.uuid4(),
        **{"tags": [], "custom_fields": {}, "kind": "company", **profile_values(data)},
        pool_id=pool.id,
        owner_id=None if in_pool else principal.id,
        team_id=None if in_pool else principal.team_id,
        created_at=now,
        updated_at=now,
        claimed_at=None if in_pool else now,
        released_at=now if in_pool else None,
    )
    session.add(customer)
    session.flush()  # contacts and history refer to it
    record(
        session,
        customer,
        "created",
        at=now,
        to_owner=customer.owner_id,
        actor=principal.id,
        reason="entered into the pool" if in_pool else "entered by hand",
    )
    contacts = [dict(c) for c in data.get("contacts") or []]
    # The contact marked primary (else the first) is the primary contact.
    primary = next((i for i, c in enumerate(contacts) if c.get("is_primary")), 0)
    added = []
    for index, contact in enumerate(contacts):
        contact.pop("is_primary", None)
        added.append(
            Contact(
                customer_id=customer.id,
                created_by=principal.id,
                is_primary=index == primary,
                created_at=now,
                updated_at=now,
                **contact,
            )
        )
    session.add_all(added)
    session.flush()
    outbox.publish(session, "customer.created", created_event(customer), subject=customer.id)
    for new_contact in added:
        publish_contact(session, new_contact, customer.owner_id, created=True)
    if customer.owner_id is not None:
        deadlines.refresh(session, customer, now)
    return present_one(session, r, customer)


def create_from_lead(session: Session, data: dict[str, Any]) -> Customer | None:
    """The customer for a qualified lead, owned by the lead's owner; one per lead.

    Returns None when the lead already has its customer. The lead's person
    becomes the primary contact when the lead names a company.
    """
    made = create_from_leads(session, [data])
    return made[0] if made else None


def create_from_leads(session: Session, leads: list[dict[str, Any]]) -> list[Customer]:
    """The customers for many qualified leads, in a few statements whatever their number.

    One per lead: a lead that already has its customer, or that appears
    again later in ``leads``, makes nothing. Returns the customers made.
    """
    wanted: dict[uuid.UUID, dict[str, Any]] = {}
    for data in leads:
        wanted.setdefault(uuid.UUID(data["lead_id"]), data)
    if not wanted:
        return []
    existing = set(
        session.scalars(select(Customer.lead_id).where(Customer.lead_id.in_(list(wanted))))
    )
    fresh = [(lead_id, data) for lead_id, data in wanted.items() if lead_id not in existing]
    if not fresh:
        return []
    erased = retention.erased_leads(session, [lead_id for lead_id, _ in fresh])
    if erased:
        fresh = [
            (lead_id, retention.without_person(data) if lead_id in erased else data)
            for lead_id, data in fresh
        ]
    now = utcnow()
    pool_id = lookups.default_pool(session).id
    customers = [_customer_for_lead(lead_id, data, pool_id, now) for lead_id, data in fresh]
    session.add_all(customers)
    session.flush()  # contacts and history refer to them (one INSERT for all)
    contacts: list[tuple[Contact, uuid.UUID | None]] = []
    for customer, (_lead_id, data) in zip(customers, fresh, strict=True):
        if customer.company:
            contact = Contact(
                customer_id=customer.id,
                name=data["name"].strip()[:200],
                email=data.get("email"),
                phone=data.get("phone"),
                is_primary=True,
                created_at=now,
                updated_at=now,
            )
            session.add(contact)
            contacts.append((contact, customer.owner_id))
        record(
            session,
            customer,
            "created",
            at=now,
            to_owner=customer.owner_id,
            reason="lead qualified",
        )
    session.flush()
    outbox.publish_many(session, "customer.created", [(created_event(c), c.id) for c in customers])
    if contacts:
        outbox.publish_many(
            session,
            "contact.created",
            [(contact_event(c, owner, created=True), c.customer_id) for c, owner in contacts],
        )
    return customers


def _customer_for_lead(
    lead_id: uuid.UUID, data: dict[str, Any], pool_id: uuid.UUID, now: Any
) -> Customer:
    owner_id = uuid.UUID(data["owner_id"]) if data.get("owner_id") else None
    company = (data.get("company") or "").strip() or None
    return Customer(
        id=uuid.uuid4(),
        name=(company or data["name"]).strip()[:200],
        kind="company" if company else "person",
        email=data.get("email"),
        phone=data.get("phone"),
        company=company,
        source=data.get("source"),
        score=data.get("score"),
        tags=[],
        custom_fields={},
        lead_id=lead_id,
        pool_id=pool_id,
        owner_id=owner_id,
        team_id=uuid.UUID(data["team_id"]) if data.get("team_id") and owner_id else None,
        created_at=now,
        updated_at=now,
        claimed_at=now if owner_id else None,
        released_at=None if owner_id else now,
    )


SORTS = {
    "created_at": lambda: [
        SortKey(Customer.created_at, "created_at", True),
        SortKey(Customer.id, "id", True),
    ],
    "score": lambda: [
        SortKey(func.coalesce(Customer.score, -1), "sort_score", True),
        SortKey(Customer.id, "id", True),
    ],
    "value": lambda: [
        # Money is text on SQLite; comparing it as a number keeps the order right there too.
        SortKey(cast(Customer.value, Float), "sort_value", True),
        SortKey(Customer.id, "id", True),
    ],
    "name": lambda: [SortKey(Customer.name, "name", False), SortKey(Customer.id, "id", False)],
    # Most recently worked first; the expression is ix_customers_owner_activity's.
    "last_activity": lambda: [
        SortKey(
            func.coalesce(Customer.last_followup_at, Customer.created_at),
            "sort_last_activity",
            True,
        ),
        SortKey(Customer.id, "id", True),
    ],
}


def get_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """A customer the caller may see; 404 otherwise."""
    customer, r = access.load(session, principal, customer_id)
    return present_one(session, r, customer)


def list_customers(
    session: Session, principal: Principal, args: dict[str, Any], region: str = "US"
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the customers the caller may see, filtered and sorted.

    Archived customers are left out unless ``archived`` asks for them. A
    ``q`` that looks like a phone number matches the customer's or a
    contact's phone, normalised (national, E.164, spaces or dashes alike).
    """
    r = access.reach(session, principal)
    statement = select(Customer).where(access.visible_clause(r))
    archived = Customer.archived_at.is_not(None)
    statement = statement.where(archived if args.get("archived") else ~archived)
    for name in ("lead_id", "owner_id", "pool_id", "tier", "industry", "region", "size"):
        if args.get(name) is not None:
            statement = statement.where(getattr(Customer, name) == args[name])
    if args.get("in_pool") is not None:
        pooled = Customer.owner_id.is_(None)
        statement = statement.where(pooled if args["in_pool"] else ~pooled)
    if args.get("locked") is not None:
        statement = statement.where(Customer.locked.is_(args["locked"]))
    if args.get("q") and phones.looks_like_phone(args["q"]):
        forms = phones.search_forms(args["q"], region)
        by_contact = select(Contact.customer_id).where(Contact.phone.in_(forms))
        statement = statement.where(or_(Customer.phone.in_(forms), Customer.id.in_(by_contact)))
    elif args.get("q"):
        pattern = "%" + _escape_like(args["q"].lower()) + "%"
        statement = statement.where(
            or_(
                func.lower(Customer.name).like(pattern, escape="\\"),
                func.lower(Customer.company).like(pattern, escape="\\"),
            )
        )
    if args.get("tag"):
        statement = statement.where(_has_tag(session, args["tag"]))
    if args.get("recycle_due_before") is not None:
        statement = statement.where(Customer.recycle_due_at <= args["recycle_due_before"])
    keys = SORTS[args.get("sort") or "created_at"]()
    rows, cursor = paginate(
        session, statement, keys, limit=args["limit"], cursor=args.get("cursor")
    )
    return present_many(session, r, rows), cursor


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _has_tag(session: Session, tag: str) -> Any:
    """Customers whose tag list holds ``tag`` (JSONB containment, or SQLite's json_each)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Customer.tags, JSONB).contains([tag])
    each = func.json_each(Customer.tags).table_valued("value")
    return select(each.c.value).where(each.c.value == tag).exists()


def near(
    session: Session,
    principal: Principal,
    latitude: float,
    longitude: float,
    radius_km: float,
    limit: int,
    owned_only: bool,
) -> list[dict[str, Any]]:
    """Customers the caller may see within ``radius_km`` of a point, nearest first."""
    r = access.reach(session, principal)
    radius_m = radius_km * 1000
    box = geo.bounding_box(latitude, longitude, radius_m)
    statement = select(Customer).where(
        access.visible_clause(r),
        Customer.latitude.is_not(None),
        Customer.longitude.is_not(None),
        Customer.latitude.between(box.min_lat, box.max_lat),
    )
    if box.wraps:
        statement = statement.where(
            or_(Customer.longitude >= box.min_lon, Customer.longitude <= box.max_lon)
        )
    else:
        statement = statement.where(Customer.longitude.between(box.min_lon, box.max_lon))
    if owned_only:
        statement = statement.where(Customer.owner_id == principal.id)
    found = []
    for customer in session.scalars(statement):
        if customer.latitude is None or customer.longitude is None:  # excluded by the query
            continue
        distance = geo.haversine_m(latitude, longitude, customer.latitude, customer.longitude)
        if distance <= radius_m:
            found.append((distance, customer))
    found.sort(key=lambda item: item[0])
    found = found[:limit]
    presented = present_many(session, r, [c for _, c in found])
    for (distance, _), data in zip(found, presented, strict=True):
        data["distance_m"] = round(distance, 1)
    return presented


def update_customer(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: dict[str, Any],
    region: str = "US",
) -> dict[str, Any]:
    """Change a customer's profile (owner, their manager, an admin or the pool's admin)."""
    customer, r = access.load_for_management(session, principal, customer_id)
    if customer.erased_at is not None:
        raise Conflict("an erased customer is not edited")
    values = profile_values(identity.clean_phones(data, region, customer.country))
    if "pool_id" in data:
        if not (r.is_admin or r.administers(data["pool_id"])):
            raise ValidationFailed.field(
                "pool_id", "only the pool's admins may move customers into it"
            )
        if session.get(Pool, data["pool_id"]) is None:
            raise ValidationFailed.field("pool_id", "no such pool")
        if data["pool_id"] != customer.pool_id:
            record(
                session,
                customer,
                "moved",
                at=utcnow(),
                actor=principal.id,
                reason="moved to another pool",
                pool_id=data["pool_id"],
                from_owner=customer.owner_id,
                to_owner=customer.owner_id,
            )
            values["pool_id"] = data["pool_id"]
    latitude = values.get("latitude", customer.latitude)
    longitude = values.get("longitude", customer.longitude)
    if (latitude is None) != (longitude is None):
        raise ValidationFailed.field("latitude", "latitude and longitude go together")
    for name, value in values.items():
        setattr(customer, name, value)
    customer.updated_at = utcnow()
    session.flush()
    return present_one(session, r, customer)


def set_collaborator(
    session: Session, principal: Principal, customer_id: uuid.UUID, user_id: uuid.UUID, add: bool
) -> dict[str, Any]:
    """Add or remove a collaborator (owner, their manager or an admin)."""
    customer, r = access.load_for_management(session, principal, customer_id)
    existing = session.get(Collaborator, {"customer_id": customer_id, "user_id": user_id})
    if add:
        known = lookups.user(session, user_id)
        if known is None or not known.active:
            raise ValidationFailed.field("user_id", "is not a known active user")
        if user_id == customer.owner_id:
            raise ValidationFailed.field("user_id", "is the owner already")
        if existing is None:
            session.add(
                Collaborator(customer_id=customer_id, user_id=user_id, added_by=principal.id)
            )
    elif existing is not None:
        session.delete(existing)
    session.flush()
    return present_one(session, r, customer)
