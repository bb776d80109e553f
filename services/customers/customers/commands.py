"""Customers, their contacts and their ownership, over the database.

Ownership moves (claim, release, recycle, assign, transfer) are conditional
updates: each names the owner (and, where facts matter, the ``version``) it
expects, so of two racing changes exactly one applies and the other learns
it lost (409) instead of overwriting it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, cast, delete, func, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import ADMIN, MANAGER, REP, Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, geo, limits, store
from .access import Reach
from .models import (
    Collaborator,
    Contact,
    Customer,
    OwnershipChange,
    OwnershipLimit,
    Pool,
)
from .ownership import check_assignee, check_claim

ADDRESS_FIELDS = ("address_line", "city", "postal_code", "country", "latitude", "longitude")
HIDEABLE = ("email", "phone", "address", "contacts", "custom_fields")
PROFILE_FIELDS = (
    "name",
    "kind",
    "email",
    "phone",
    "company",
    "industry",
    "region",
    "size",
    *ADDRESS_FIELDS,
    "tags",
    "custom_fields",
    "score",
)


# ---------------------------------------------------------------- presenting


def hidden_for(
    r: Reach, customer: Customer, hidden_by_pool: dict[uuid.UUID, list[str]]
) -> set[str]:
    """The fields masked for this caller: a pool's hidden fields until someone claims it."""
    if customer.owner_id is not None or r.administers(customer.pool_id):
        return set()
    return set(hidden_by_pool.get(customer.pool_id, ()))


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
    hidden_by_pool = store.hidden_fields_by_pool(session)
    currency = store.tier_currency(session)
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


# ---------------------------------------------------------------- creating


def _created_event(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.id,
        "name": customer.name,
        "owner_id": customer.owner_id,
        "team_id": customer.team_id,
        "lead_id": customer.lead_id,
        "created_at": customer.created_at,
    }


def _audit(
    session: Session,
    customer: Customer,
    action: str,
    *,
    at: datetime,
    from_owner: uuid.UUID | None = None,
    to_owner: uuid.UUID | None = None,
    actor: uuid.UUID | None = None,
    reason: str | None = None,
    pool_id: uuid.UUID | None = None,
) -> None:
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            action=action,
            from_owner_id=from_owner,
            to_owner_id=to_owner,
            actor_id=actor,
            reason=reason,
            pool_id=pool_id or customer.pool_id,
            at=at,
        )
    )


def _pool_for(session: Session, r: Reach, pool_id: uuid.UUID | None) -> Pool:
    if pool_id is None:
        return store.default_pool(session)
    pool = session.get(Pool, pool_id)
    if pool is None or pool_id not in r.pool_ids:
        raise ValidationFailed.field("pool_id", "no such pool, or not one you belong to")
    return pool


def _profile_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in PROFILE_FIELDS if k in data}
    if "name" in values:
        values["name"] = values["name"].strip()
    if values.get("email"):
        values["email"] = values["email"].lower()
    return values


def create_customer(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A customer entered by hand: owned by the caller, or put straight into a pool."""
    if not principal.has_role(REP, MANAGER, ADMIN):
        raise Forbidden("only sellers create customers")
    r = access.reach(session, principal)
    pool = _pool_for(session, r, data.get("pool_id"))
    in_pool = bool(data.get("in_pool"))
    now = utcnow()
    if not in_pool:
        _check_owned_limit(session, principal.id, principal.team_id)
    customer = Customer(
        id=uuid.uuid4(),
        **{"tags": [], "custom_fields": {}, "kind": "company", **_profile_values(data)},
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
    _audit(
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
    for index, contact in enumerate(contacts):
        contact.pop("is_primary", None)
        session.add(
            Contact(
                customer_id=customer.id,
                created_by=principal.id,
                is_primary=index == primary,
                **contact,
            )
        )
    session.flush()
    outbox.publish(session, "customer.created", _created_event(customer), subject=customer.id)
    return present_one(session, r, customer)


def create_from_lead(session: Session, data: dict[str, Any]) -> Customer | None:
    """The customer for a qualified lead, owned by the lead's owner; one per lead.

    Returns None when the lead already has its customer. The lead's person
    becomes the primary contact when the lead names a company.
    """
    lead_id = uuid.UUID(data["lead_id"])
    if session.scalar(select(Customer.id).where(Customer.lead_id == lead_id)) is not None:
        return None
    now = utcnow()
    owner_id = uuid.UUID(data["owner_id"]) if data.get("owner_id") else None
    company = (data.get("company") or "").strip() or None
    customer = Customer(
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
        pool_id=store.default_pool(session).id,
        owner_id=owner_id,
        team_id=uuid.UUID(data["team_id"]) if data.get("team_id") and owner_id else None,
        created_at=now,
        updated_at=now,
        claimed_at=now if owner_id else None,
        released_at=None if owner_id else now,
    )
    session.add(customer)
    session.flush()  # contacts and history refer to it
    if company:
        session.add(
            Contact(
                customer_id=customer.id,
                name=data["name"].strip()[:200],
                email=data.get("email"),
                phone=data.get("phone"),
                is_primary=True,
            )
        )
    _audit(session, customer, "created", at=now, to_owner=owner_id, reason="lead qualified")
    session.flush()
    outbox.publish(session, "customer.created", _created_event(customer), subject=customer.id)
    return customer


# ---------------------------------------------------------------- reading

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
}


def get_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """A customer the caller may see; 404 otherwise."""
    customer, r = access.load(session, principal, customer_id)
    return present_one(session, r, customer)


def list_customers(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the customers the caller may see, filtered and sorted."""
    r = access.reach(session, principal)
    statement = select(Customer).where(access.visible_clause(r))
    for name in ("lead_id", "owner_id", "pool_id", "tier", "industry", "region", "size"):
        if args.get(name) is not None:
            statement = statement.where(getattr(Customer, name) == args[name])
    if args.get("in_pool") is not None:
        pooled = Customer.owner_id.is_(None)
        statement = statement.where(pooled if args["in_pool"] else ~pooled)
    if args.get("locked") is not None:
        statement = statement.where(Customer.locked.is_(args["locked"]))
    if args.get("q"):
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
        distance = geo.haversine_m(latitude, longitude, customer.latitude, customer.longitude)
        if distance <= radius_m:
            found.append((distance, customer))
    found.sort(key=lambda item: item[0])
    found = found[:limit]
    presented = present_many(session, r, [c for _, c in found])
    for (distance, _), data in zip(found, presented, strict=True):
        data["distance_m"] = round(distance, 1)
    return presented


def ownership_history(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> list[OwnershipChange]:
    """Every change of a customer's owner (and locks), oldest first."""
    access.load(session, principal, customer_id)
    return list(
        session.scalars(
            select(OwnershipChange)
            .where(OwnershipChange.customer_id == customer_id)
            .order_by(OwnershipChange.at, OwnershipChange.id)
        )
    )


# ---------------------------------------------------------------- editing


def update_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Change a customer's profile (owner, their manager, an admin or the pool's admin)."""
    customer, r = access.load_for_management(session, principal, customer_id)
    values = _profile_values(data)
    if "pool_id" in data:
        if not (r.is_admin or r.administers(data["pool_id"])):
            raise ValidationFailed.field(
                "pool_id", "only the pool's admins may move customers into it"
            )
        if session.get(Pool, data["pool_id"]) is None:
            raise ValidationFailed.field("pool_id", "no such pool")
        if data["pool_id"] != customer.pool_id:
            _audit(
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
        known = store.user(session, user_id)
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


# ---------------------------------------------------------------- ownership


def _limit_for(
    session: Session, user_id: uuid.UUID, team_id: uuid.UUID | None
) -> limits.OwnershipLimit | None:
    subjects = [f"user:{user_id}", "default"] + ([f"team:{team_id}"] if team_id else [])
    rows = {
        row.subject: row
        for row in session.scalars(
            select(OwnershipLimit).where(OwnershipLimit.subject.in_(subjects))
        )
    }

    def make(subject: str, scope: str) -> limits.OwnershipLimit | None:
        row = rows.get(subject)
        return limits.OwnershipLimit(row.max_owned, row.include_won, scope) if row else None

    return limits.choose_limit(
        make(f"user:{user_id}", "user"),
        make(f"team:{team_id}", "team") if team_id else None,
        make("default", "default"),
    )


def _check_owned_limit(session: Session, user_id: uuid.UUID, team_id: uuid.UUID | None) -> None:
    store.serialize_on(session, user_id)
    limit = _limit_for(session, user_id, team_id)
    if limit is None:
        return
    statement = select(func.count()).select_from(Customer).where(Customer.owner_id == user_id)
    if not limit.include_won:
        statement = statement.where(Customer.won_deals == 0)
    limits.check_owned(limit, session.scalar(statement) or 0)


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def claim(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """Take a customer from a pool. Of several simultaneous claims exactly one wins.

    A customer someone else took meanwhile answers 409, not 404, to members of
    its pool: the loser saw it in the pool a moment ago and should learn that
    it was taken. Limits (customers owned, claims per day, the previous owner's
    wait) answer 409 naming the limit.
    """
    r = access.reach(session, principal)
    customer = session.get(Customer, customer_id)
    if customer is None or not (
        access.may_view(session, r, customer) or customer.pool_id in r.pool_ids
    ):
        raise NotFound("no such customer")
    check_claim(principal, customer.owner_id)
    if customer.pool_id not in r.pool_ids:
        raise Forbidden("you are not a member of this customer's pool")
    pool = session.get(Pool, customer.pool_id)
    rules = store.pool_rules(pool)
    now = utcnow()
    limits.check_reclaim(
        customer.previous_owner_id,
        customer.released_at,
        principal.id,
        rules.reclaim_block_days,
        now,
    )
    _check_owned_limit(session, principal.id, principal.team_id)
    if rules.daily_claim_limit is not None:
        claimed_today = session.scalar(
            select(func.count())
            .select_from(OwnershipChange)
            .where(
                OwnershipChange.actor_id == principal.id,
                OwnershipChange.action == "claimed",
                OwnershipChange.pool_id == pool.id,
                OwnershipChange.at >= _start_of_day(now),
            )
        )
        limits.check_daily_claims(rules.daily_claim_limit, claimed_today or 0, pool.name)
    # The owner IS NULL condition makes the claim atomic: a concurrent
    # winner leaves nothing for this UPDATE to match.
    won = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id.is_(None))
        .values(
            owner_id=principal.id,
            team_id=principal.team_id,
            claimed_at=now,
            updated_at=now,
            locked=False,
            locked_at=None,
            recycle_due_at=None,
            recycle_rule=None,
            recycle_warned_for=None,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise Conflict("another rep claimed this customer first")
    session.refresh(customer)
    _audit(session, customer, "claimed", at=now, to_owner=principal.id, actor=principal.id)
    outbox.publish(
        session,
        "customer.claimed",
        {
            "customer_id": customer.id,
            "owner_id": principal.id,
            "team_id": principal.team_id,
            "claimed_at": now,
        },
        subject=customer.id,
    )
    return present_one(session, r, customer)


def to_pool(
    session: Session,
    customer: Customer,
    *,
    action: str,
    reason: str,
    actor: uuid.UUID | None,
    rule: str | None = None,
    pool_id: uuid.UUID | None = None,
    expect_version: int | None = None,
) -> bool:
    """Return an owned customer to a pool and announce ``customer.recycled``.

    The update names the owner (and, for rule-driven recycling, the version of
    the facts the rule was judged on); False when someone changed the
    customer meanwhile, and then nothing was written.
    """
    previous_owner, previous_team = customer.owner_id, customer.team_id
    target_pool = pool_id or customer.pool_id
    now = utcnow()
    conditions = [Customer.id == customer.id, Customer.owner_id == previous_owner]
    if expect_version is not None:
        conditions.append(Customer.version == expect_version)
    moved = session.execute(
        update(Customer)
        .where(*conditions)
        .values(
            owner_id=None,
            team_id=None,
            pool_id=target_pool,
            previous_owner_id=previous_owner,
            released_at=now,
            updated_at=now,
            locked=False,
            locked_at=None,
            recycle_due_at=None,
            recycle_rule=None,
            recycle_warned_for=None,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    session.refresh(customer)
    # A new owner picks their own collaborators.
    session.execute(delete(Collaborator).where(Collaborator.customer_id == customer.id))
    _audit(
        session,
        customer,
        action,
        at=now,
        from_owner=previous_owner,
        actor=actor,
        reason=reason,
        pool_id=target_pool,
    )
    outbox.publish(
        session,
        "customer.recycled",
        {
            "customer_id": customer.id,
            "previous_owner_id": previous_owner,
            "previous_team_id": previous_team,
            "lead_id": customer.lead_id,
            "reason": reason,
            "recycled_at": now,
            "pool_id": target_pool,
            "rule": rule,
            "recycled_by": actor,
        },
        subject=customer.id,
    )
    return True


def release(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    reason: str | None,
    pool_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Return a customer to its pool (or another pool the caller belongs to), with a reason."""
    customer, r = access.load(session, principal, customer_id)
    if customer.owner_id is None:
        raise Conflict("customer is already in the pool")
    if not access.manages(r, customer):
        raise Forbidden("only the owner, their manager or an admin may release a customer")
    if pool_id is not None:
        _pool_for(session, r, pool_id)
    text = (reason or "").strip() or "released by owner"
    if not to_pool(
        session, customer, action="released", reason=text, actor=principal.id, pool_id=pool_id
    ):
        raise Conflict("the customer's owner changed meanwhile; reload and retry")
    return present_one(session, r, customer)


def assign(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    owner_id: uuid.UUID,
    reason: str | None,
) -> dict[str, Any]:
    """Hand a customer (from a pool or from another rep) to ``owner_id``: manager or admin.

    Managers assign within their team: pool customers of their pools and
    customers owned in their team, to people of their team. The new owner's
    ownership limit applies.
    """
    customer, r = access.load(session, principal, customer_id)
    target = store.user(session, owner_id)
    check_assignee(
        principal,
        owner_id,
        target.roles if target else None,
        target.team_id if target else None,
        bool(target and target.active),
    )
    if customer.owner_id is None:
        if not (r.is_admin or customer.pool_id in r.pool_ids):
            raise Forbidden("you may assign only customers of pools you belong to")
    elif not access.manages(r, customer):
        raise Forbidden("you may transfer only your team's customers")
    if customer.owner_id == owner_id:
        raise Conflict("the customer already belongs to this user")
    assert target is not None
    _check_owned_limit(session, owner_id, target.team_id)
    previous, version = customer.owner_id, customer.version
    now = utcnow()
    changed = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.version == version)
        .values(
            owner_id=owner_id,
            team_id=target.team_id,
            claimed_at=now,
            updated_at=now,
            previous_owner_id=previous if previous is not None else Customer.previous_owner_id,
            locked=False,
            locked_at=None,
            recycle_due_at=None,
            recycle_rule=None,
            recycle_warned_for=None,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("the customer changed meanwhile; reload and retry")
    session.refresh(customer)
    text = (reason or "").strip() or None
    _audit(
        session,
        customer,
        "assigned" if previous is None else "transferred",
        at=now,
        from_owner=previous,
        to_owner=owner_id,
        actor=principal.id,
        reason=text,
    )
    outbox.publish(
        session,
        "customer.assigned",
        {
            "customer_id": customer.id,
            "owner_id": owner_id,
            "team_id": target.team_id,
            "previous_owner_id": previous,
            "reason": text,
            "assigned_by": principal.id,
            "assigned_at": now,
        },
        subject=customer.id,
    )
    return present_one(session, r, customer)


def set_lock(
    session: Session, principal: Principal, customer_id: uuid.UUID, locked: bool, reason: str | None
) -> dict[str, Any]:
    """Lock an owned customer against recycling (up to the pool's cap per owner), or unlock it."""
    customer, r = access.load_for_management(session, principal, customer_id)
    if customer.owner_id is None:
        raise Conflict("a customer in the pool cannot be locked")
    if customer.locked == locked:
        return present_one(session, r, customer)
    owner = customer.owner_id
    now = utcnow()
    if locked:
        store.serialize_on(session, owner)
        rules = store.pool_rules(session.get(Pool, customer.pool_id))
        held = session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.owner_id == owner, Customer.locked.is_(True))
        )
        limits.check_lock_cap(rules.lock_cap, held or 0)
    changed = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id == owner)
        .values(
            locked=locked,
            locked_at=now if locked else None,
            recycle_due_at=None if locked else Customer.recycle_due_at,
            updated_at=now,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict("the customer's owner changed meanwhile; reload and retry")
    session.refresh(customer)
    _audit(
        session,
        customer,
        "locked" if locked else "unlocked",
        at=now,
        from_owner=owner,
        to_owner=owner,
        actor=principal.id,
        reason=(reason or "").strip() or None,
    )
    return present_one(session, r, customer)


# ---------------------------------------------------------------- limits


def list_limits(session: Session) -> list[OwnershipLimit]:
    """Every ownership limit, most general first."""
    return list(session.scalars(select(OwnershipLimit).order_by(OwnershipLimit.subject)))


def put_limit(session: Session, principal: Principal, data: dict[str, Any]) -> OwnershipLimit:
    """Set the ownership limit of a user, of each member of a team, or the default."""
    user_id, team_id = data.get("user_id"), data.get("team_id")
    if user_id and team_id:
        raise ValidationFailed.field("team_id", "give a user or a team, not both")
    subject = f"user:{user_id}" if user_id else f"team:{team_id}" if team_id else "default"
    row = session.scalar(select(OwnershipLimit).where(OwnershipLimit.subject == subject))
    if row is None:
        row = OwnershipLimit(subject=subject, user_id=user_id, team_id=team_id)
        session.add(row)
    row.max_owned = data["max_owned"]
    row.include_won = data["include_won"]
    row.updated_by = principal.id
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_limit(session: Session, limit_id: uuid.UUID) -> None:
    """Remove a limit (the next more general one applies)."""
    row = session.get(OwnershipLimit, limit_id)
    if row is None:
        raise NotFound("no such limit")
    session.delete(row)
