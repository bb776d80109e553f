"""Ownership moves: claim, release, recycle to a pool, assign, transfer, lock.

Each move is a conditional update: it names the owner (and, where facts
matter, the ``version``) it expects, so of two racing changes exactly one
applies and the other learns it lost (409) instead of overwriting it. The
rules a move applies are in :mod:`customers.rules.ownership` and
:mod:`customers.rules.limits`.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden

from . import access, deadlines, locking, lookups
from .conditional import rows_matched
from .models import Collaborator, Customer
from .ownership_limits import check_owned_limit, claimed_today
from .ownership_log import record
from .presenting import present_one
from .records import pool_for
from .rules import limits
from .rules.ownership import back_to_pool, check_assignee, check_claim, check_reclaim, new_owner


def _move(
    session: Session, customer: Customer, conditions: list[Any], values: dict[str, Any]
) -> bool:
    """Apply an ownership move only if the customer still matches ``conditions``.

    The move bumps ``version`` and reloads the customer; False when a
    concurrent change made the conditions miss, and then nothing was written.
    """
    changed = rows_matched(
        session,
        update(Customer)
        .where(Customer.id == customer.id, *conditions)
        .values(**values, version=Customer.version + 1)
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        return False
    session.refresh(customer)
    return True


def claim(session: Session, principal: Principal, customer_id: uuid.UUID) -> dict[str, Any]:
    """Take a customer from a pool. Of several simultaneous claims exactly one wins.

    A customer the caller cannot see (someone else's, outside their scope)
    answers 404 like every read, so a claim does not confirm it exists. The
    loser of a simultaneous claim answers 409: it saw the customer in the pool
    and should learn that it was taken. Limits (customers owned, claims per
    day, the previous owner's wait) answer 409 naming the limit.
    """
    customer, r = access.load(session, principal, customer_id)
    if customer.archived_at is not None:
        raise Conflict("the customer is archived: restore it first")
    check_claim(principal, customer.owner_id)
    if customer.pool_id not in r.pool_ids:
        raise Forbidden("you are not a member of this customer's pool")
    pool = lookups.pool(session, customer.pool_id)
    rules = lookups.pool_rules(pool)
    now = utcnow()
    check_reclaim(
        customer.previous_owner_id,
        customer.released_at,
        principal.id,
        rules.reclaim_block_days,
        now,
    )
    check_owned_limit(session, principal.id, principal.team_id)
    if rules.daily_claim_limit is not None:
        limits.check_daily_claims(
            rules.daily_claim_limit, claimed_today(session, principal.id, pool.id, now), pool.name
        )
    # The owner IS NULL condition makes the claim atomic: a concurrent
    # winner leaves nothing for this UPDATE to match.
    if not _move(
        session,
        customer,
        [Customer.owner_id.is_(None)],
        new_owner(principal.id, principal.team_id, now),
    ):
        raise Conflict("another rep claimed this customer first")
    deadlines.refresh(session, customer, now)  # the new owner sees their deadline at once
    record(session, customer, "claimed", at=now, to_owner=principal.id, actor=principal.id)
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
    conditions = [Customer.owner_id == previous_owner]
    if expect_version is not None:
        conditions.append(Customer.version == expect_version)
    if not _move(session, customer, conditions, back_to_pool(previous_owner, target_pool, now)):
        return False
    # A new owner picks their own collaborators.
    session.execute(delete(Collaborator).where(Collaborator.customer_id == customer.id))
    record(
        session,
        customer,
        action,
        at=now,
        from_owner=previous_owner,
        actor=actor,
        reason=reason,
        pool_id=target_pool,
        rule=rule,
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
        pool_for(session, r, pool_id)
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
    if customer.archived_at is not None:
        raise Conflict("the customer is archived: restore it first")
    target = lookups.user(session, owner_id)
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
    check_owned_limit(session, owner_id, target.team_id)
    previous, version = customer.owner_id, customer.version
    now = utcnow()
    values = new_owner(owner_id, target.team_id, now)
    if previous is not None:  # a transfer: the one who lost it is remembered
        values["previous_owner_id"] = previous
    if not _move(session, customer, [Customer.version == version], values):
        raise Conflict("the customer changed meanwhile; reload and retry")
    deadlines.refresh(session, customer, now)
    text = (reason or "").strip() or None
    record(
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
        locking.serialize_on(session, owner)
        rules = lookups.pool_rules(lookups.pool(session, customer.pool_id))
        held = session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.owner_id == owner, Customer.locked.is_(True))
        )
        limits.check_lock_cap(rules.lock_cap, held or 0)
    changed = rows_matched(
        session,
        update(Customer)
        .where(Customer.id == customer_id, Customer.owner_id == owner)
        .values(
            locked=locked,
            locked_at=now if locked else None,
            recycle_due_at=None if locked else Customer.recycle_due_at,
            updated_at=now,
            version=Customer.version + 1,
        )
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        raise Conflict("the customer's owner changed meanwhile; reload and retry")
    session.refresh(customer)
    deadlines.refresh(session, customer, now)  # unlocked: the clocks count again
    record(
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
