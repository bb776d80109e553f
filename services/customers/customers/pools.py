"""Public pools: their members and rules, and their audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Forbidden, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, deadlines, lookups
from .models import OwnershipChange, Pool, PoolMember
from .rules.recycling import PoolRules


def present_pool(session: Session, pool: Pool) -> dict[str, Any]:
    """A pool with its members, admins and full rules."""
    members = session.scalars(select(PoolMember).where(PoolMember.pool_id == pool.id)).all()
    return {
        "id": pool.id,
        "name": pool.name,
        "description": pool.description,
        "is_default": pool.is_default,
        "open_to_all": pool.open_to_all,
        "hidden_fields": list(pool.hidden_fields or []),
        "rules": lookups.pool_rules(pool).to_dict(),
        "members": [{"kind": m.kind, "id": m.member_id} for m in members if m.role == "member"],
        "admins": [m.member_id for m in members if m.role == "admin"],
        "created_at": pool.created_at,
        "updated_at": pool.updated_at,
    }


def _rules_from(data: dict[str, Any] | None, current: dict[str, Any] | None) -> dict[str, Any]:
    merged = PoolRules.from_dict(current).to_dict()
    for name, value in (data or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return PoolRules.from_dict(merged).to_dict()


def _set_members(session: Session, pool: Pool, data: dict[str, Any]) -> None:
    if "members" in data:
        session.execute(
            delete(PoolMember).where(PoolMember.pool_id == pool.id, PoolMember.role == "member")
        )
        for member in data["members"]:
            session.merge(
                PoolMember(
                    pool_id=pool.id, kind=member["kind"], member_id=member["id"], role="member"
                )
            )
    if "admins" in data:
        session.execute(
            delete(PoolMember).where(PoolMember.pool_id == pool.id, PoolMember.role == "admin")
        )
        for admin_id in data["admins"]:
            # An admin is a member too; the admin row replaces a plain membership.
            session.merge(
                PoolMember(pool_id=pool.id, kind="user", member_id=admin_id, role="admin")
            )


def create_pool(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A new pool (admins only)."""
    if session.scalar(select(Pool.id).where(Pool.name == data["name"])) is not None:
        raise ValidationFailed.field("name", "a pool with this name exists")
    pool = Pool(
        id=uuid.uuid4(),
        name=data["name"],
        description=data.get("description"),
        open_to_all=data.get("open_to_all", False),
        hidden_fields=sorted(set(data.get("hidden_fields") or [])),
        rules=_rules_from(data.get("rules"), None),
    )
    session.add(pool)
    session.flush()
    _set_members(session, pool, data)
    session.flush()
    return present_pool(session, pool)


def pool_in_reach(session: Session, r: access.Reach, pool_id: uuid.UUID) -> Pool:
    """A pool the caller belongs to; 404 otherwise."""
    pool = session.get(Pool, pool_id)
    if pool is None or pool_id not in r.pool_ids:
        raise NotFound("no such pool")
    return pool


def get_pool(session: Session, principal: Principal, pool_id: uuid.UUID) -> dict[str, Any]:
    """A pool the caller belongs to or runs."""
    r = access.reach(session, principal)
    return present_pool(session, pool_in_reach(session, r, pool_id))


def list_pools(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The pools the caller belongs to or runs (admins: all)."""
    r = access.reach(session, principal)
    pools = session.scalars(select(Pool).where(Pool.id.in_(r.pool_ids)).order_by(Pool.name)).all()
    return [present_pool(session, pool) for pool in pools]


def update_pool(
    session: Session, principal: Principal, pool_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Change a pool: its admins may change rules, hidden fields and members; admins all."""
    r = access.reach(session, principal)
    pool = pool_in_reach(session, r, pool_id)
    if not r.administers(pool.id):
        raise Forbidden("only the pool's admins may change it")
    if "admins" in data and not r.is_admin:
        raise Forbidden("only system admins choose a pool's admins")
    if "name" in data and data["name"] != pool.name:
        if session.scalar(select(Pool.id).where(Pool.name == data["name"])) is not None:
            raise ValidationFailed.field("name", "a pool with this name exists")
        pool.name = data["name"]
    for name in ("description", "open_to_all"):
        if name in data:
            setattr(pool, name, data[name])
    if "hidden_fields" in data:
        pool.hidden_fields = sorted(set(data["hidden_fields"]))
    rules_changed = False
    if "rules" in data:
        new_rules = _rules_from(data["rules"], pool.rules)
        rules_changed = new_rules != pool.rules
        pool.rules = new_rules
    pool.updated_at = utcnow()
    _set_members(session, pool, data)
    session.flush()
    if rules_changed:
        # Owners see the new deadlines at once, not after the next recycling run.
        deadlines.refresh_pool(session, pool.id, lookups.pool_rules(pool), pool.updated_at)
    return present_pool(session, pool)


def audit(
    session: Session, principal: Principal, pool_id: uuid.UUID, args: dict[str, Any]
) -> tuple[list[OwnershipChange], str | None]:
    """Who claimed, released, was recycled, was assigned in a pool: newest first."""
    r = access.reach(session, principal)
    pool = pool_in_reach(session, r, pool_id)
    if not r.administers(pool.id):
        raise Forbidden("only the pool's admins may read its audit trail")
    statement = select(OwnershipChange).where(OwnershipChange.pool_id == pool.id)
    if args.get("action"):
        statement = statement.where(OwnershipChange.action == args["action"])
    if args.get("customer_id"):
        statement = statement.where(OwnershipChange.customer_id == args["customer_id"])
    if args.get("user_id"):
        user = args["user_id"]
        statement = statement.where(
            (OwnershipChange.actor_id == user)
            | (OwnershipChange.from_owner_id == user)
            | (OwnershipChange.to_owner_id == user)
        )
    keys = [SortKey(OwnershipChange.at, "at", True), SortKey(OwnershipChange.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))
