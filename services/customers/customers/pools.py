"""Public pools: their members and rules, their audit trail, and recycling."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.errors import Forbidden, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, store
from .commands import to_pool
from .models import Customer, OwnershipChange, Pool, PoolMember
from .recycling import Decision, Facts, PoolRules, evaluate

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- pools


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
        "rules": store.pool_rules(pool).to_dict(),
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


def _pool(session: Session, r: access.Reach, pool_id: uuid.UUID) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None or pool_id not in r.pool_ids:
        raise NotFound("no such pool")
    return pool


def get_pool(session: Session, principal: Principal, pool_id: uuid.UUID) -> dict[str, Any]:
    """A pool the caller belongs to or runs."""
    r = access.reach(session, principal)
    return present_pool(session, _pool(session, r, pool_id))


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
    pool = _pool(session, r, pool_id)
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
    if "rules" in data:
        pool.rules = _rules_from(data["rules"], pool.rules)
    pool.updated_at = utcnow()
    _set_members(session, pool, data)
    session.flush()
    return present_pool(session, pool)


def audit(
    session: Session, principal: Principal, pool_id: uuid.UUID, args: dict[str, Any]
) -> tuple[list[OwnershipChange], str | None]:
    """Who claimed, released, was recycled, was assigned in a pool: newest first."""
    r = access.reach(session, principal)
    pool = _pool(session, r, pool_id)
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


# ---------------------------------------------------------------- recycling


@dataclass
class RecycleReport:
    """What one recycling run did."""

    evaluated: int = 0
    recycled: list[dict[str, Any]] = field(default_factory=list)
    warned: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # changed by someone meanwhile; judged again next run
    dry_run: bool = False

    def add(self, other: RecycleReport) -> None:
        """Fold a batch's report into this one."""
        self.evaluated += other.evaluated
        self.recycled += other.recycled
        self.warned += other.warned
        self.skipped += other.skipped


def facts_of(customer: Customer) -> Facts:
    """What the recycling rules look at, from a customer row."""
    return Facts(
        owner_id=customer.owner_id,
        owned_since=customer.claimed_at or customer.created_at,
        tier=customer.tier,
        last_followup_at=customer.last_followup_at,
        last_opportunity_at=customer.last_opportunity_at,
        last_won_at=customer.last_won_at,
        open_opportunities=customer.open_opportunities,
        won_deals=customer.won_deals,
        locked=customer.locked,
    )


def _note_deadline(session: Session, customer: Customer, decision: Decision) -> None:
    # Kept on the customer so reps see the countdown; the version is not
    # bumped (this is not a fact the rules read) but is required unchanged.
    if (customer.recycle_due_at, customer.recycle_rule) == (decision.due_at, decision.rule):
        return
    session.execute(
        update(Customer)
        .where(Customer.id == customer.id, Customer.version == customer.version)
        .values(recycle_due_at=decision.due_at, recycle_rule=decision.rule)
        .execution_options(synchronize_session=False)
    )


def _warn(session: Session, customer: Customer, decision: Decision, now: datetime) -> bool:
    if customer.recycle_warned_for == decision.due_at:
        return False  # this deadline was announced already
    warned = session.execute(
        update(Customer)
        .where(Customer.id == customer.id, Customer.version == customer.version)
        .values(
            recycle_due_at=decision.due_at,
            recycle_rule=decision.rule,
            recycle_warned_for=decision.due_at,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if warned != 1:
        return False
    outbox.publish(
        session,
        "customer.recycle_warning",
        {
            "customer_id": customer.id,
            "owner_id": customer.owner_id,
            "team_id": customer.team_id,
            "pool_id": customer.pool_id,
            "rule": decision.rule,
            "reason": decision.reason,
            "due_at": decision.due_at,
            "warned_at": now,
        },
        subject=customer.id,
    )
    return True


def recycle_batch(
    session: Session,
    now: datetime,
    *,
    after: uuid.UUID | None = None,
    pool_ids: set[uuid.UUID] | None = None,
    dry_run: bool = False,
    size: int = 500,
) -> tuple[RecycleReport, uuid.UUID | None]:
    """Apply the pools' rules to one batch of owned customers; return the next batch's start."""
    rules = {pool.id: store.pool_rules(pool) for pool in session.scalars(select(Pool))}
    statement = select(Customer).where(Customer.owner_id.is_not(None)).order_by(Customer.id)
    if after is not None:
        statement = statement.where(Customer.id > after)
    if pool_ids is not None:
        statement = statement.where(Customer.pool_id.in_(pool_ids))
    customers = session.scalars(statement.limit(size)).all()
    report = RecycleReport(dry_run=dry_run)
    for customer in customers:
        report.evaluated += 1
        decision = evaluate(facts_of(customer), rules.get(customer.pool_id, PoolRules()), now)
        entry = {
            "customer_id": customer.id,
            "owner_id": customer.owner_id,
            "rule": decision.rule,
            "reason": decision.reason,
            "due_at": decision.due_at,
        }
        if decision.action == "recycle":
            if dry_run or to_pool(
                session,
                customer,
                action="recycled",
                reason=f"recycled: {decision.reason}",
                actor=None,
                rule=decision.rule,
                expect_version=customer.version,
            ):
                report.recycled.append(entry)
            else:
                report.skipped += 1
        elif decision.action == "warn":
            if dry_run or _warn(session, customer, decision, now):
                report.warned.append(entry)
        elif not dry_run:
            _note_deadline(session, customer, decision)
    last = customers[-1].id if len(customers) == size else None
    return report, last


def recycle_now(
    session: Session, principal: Principal, pool_id: uuid.UUID | None, dry_run: bool
) -> RecycleReport:
    """The on-demand run: admins for every pool, a pool's admins for theirs."""
    r = access.reach(session, principal)
    if pool_id is not None:
        _pool(session, r, pool_id)
        if not r.administers(pool_id):
            raise Forbidden("only the pool's admins may recycle it")
        pool_ids: set[uuid.UUID] | None = {pool_id}
    elif r.is_admin:
        pool_ids = None
    elif r.admin_pool_ids:
        pool_ids = set(r.admin_pool_ids)
    else:
        raise Forbidden("only admins and pool admins may run recycling")
    report = RecycleReport(dry_run=dry_run)
    after = None
    while True:
        batch, after = recycle_batch(
            session, utcnow(), after=after, pool_ids=pool_ids, dry_run=dry_run
        )
        report.add(batch)
        if after is None:
            return report


def recycle_job(db: Database, _settings: Any) -> RecycleReport:
    """The worker's scheduled run: every pool, one transaction per batch."""
    report = RecycleReport()
    after = None
    while True:
        with db.transaction() as session:
            batch, after = recycle_batch(session, utcnow(), after=after)
        report.add(batch)
        if after is None:
            break
    if report.recycled or report.warned:
        log.info(
            "recycling: %d recycled, %d warned, %d skipped of %d",
            len(report.recycled),
            len(report.warned),
            report.skipped,
            report.evaluated,
        )
    return report
