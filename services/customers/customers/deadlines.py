"""Recycling deadlines kept current: ``recycle_due_at`` follows every fact it depends on.

The rules (:func:`customers.rules.recycling.evaluate`) say when a customer
falls due; this keeps the answer on the customer the moment something it
depends on changes (a claim or an assignment, a follow-up, a pool's rules),
so an owner sees when they would lose a customer without waiting for the
next recycling run.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from crm_shared.db import utcnow

from . import lookups
from .models import Customer
from .rules.recycling import Facts, PoolRules, evaluate

CUSTOMERS = cast(Table, Customer.__table__)
# Customers recomputed per statement batch after a pool's rules change.
BATCH = 500


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


def _due(customer: Customer, rules: PoolRules, now: datetime) -> tuple[datetime | None, str | None]:
    if customer.owner_id is None or customer.archived_at is not None:
        return None, None
    decision = evaluate(facts_of(customer), rules, now)
    return decision.due_at, decision.rule


def refresh(session: Session, customer: Customer, now: datetime | None = None) -> None:
    """Put ``customer``'s current deadline (and the rule behind it) on the customer."""
    rules = lookups.pool_rules(lookups.pool(session, customer.pool_id))
    due_at, rule = _due(customer, rules, now or utcnow())
    if (customer.recycle_due_at, customer.recycle_rule) != (due_at, rule):
        # Not a fact the rules read: the version stays, so a recycle decided meanwhile holds.
        session.execute(
            update(Customer)
            .where(Customer.id == customer.id)
            .values(recycle_due_at=due_at, recycle_rule=rule)
            .execution_options(synchronize_session=False)
        )
        session.expire(customer, ["recycle_due_at", "recycle_rule"])


def refresh_pool(session: Session, pool_id: uuid.UUID, rules: PoolRules, now: datetime) -> int:
    """Recompute every owned customer's deadline in a pool (after a rule change), in batches.

    Returns how many deadlines moved.
    """
    moved = 0
    after: uuid.UUID | None = None
    while True:
        statement = (
            select(Customer)
            .where(Customer.pool_id == pool_id, Customer.owner_id.is_not(None))
            .order_by(Customer.id)
            .limit(BATCH)
        )
        if after is not None:
            statement = statement.where(Customer.id > after)
        customers = session.scalars(statement).all()
        changes = []
        for customer in customers:
            due_at, rule = _due(customer, rules, now)
            if (customer.recycle_due_at, customer.recycle_rule) != (due_at, rule):
                changes.append({"b_id": customer.id, "due": due_at, "rule": rule})
        if changes:
            session.execute(
                update(CUSTOMERS)
                .where(CUSTOMERS.c.id == bindparam("b_id"))
                .values(recycle_due_at=bindparam("due"), recycle_rule=bindparam("rule")),
                changes,
            )
            moved += len(changes)
        if len(customers) < BATCH:
            break
        after = customers[-1].id
    session.expire_all()
    return moved
