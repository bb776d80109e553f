"""Recycling runs: judging owned customers by their pool's rules, warning, returning them.

The rules are in :mod:`customers.rules.recycling`; a run (the worker's job
or an on-demand run) applies them to a batch of customers and moves the
due ones back with :func:`customers.ownership_moves.to_pool`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.errors import Forbidden

from . import access, lookups
from .conditional import rows_matched
from .deadlines import facts_of
from .models import Customer, Pool
from .ownership_moves import to_pool
from .pools import pool_in_reach
from .rules.recycling import Decision, PoolRules, evaluate

log = logging.getLogger(__name__)


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
    warned = rows_matched(
        session,
        update(Customer)
        .where(Customer.id == customer.id, Customer.version == customer.version)
        .values(
            recycle_due_at=decision.due_at,
            recycle_rule=decision.rule,
            recycle_warned_for=decision.due_at,
        )
        .execution_options(synchronize_session=False),
    )
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
    rules = {pool.id: lookups.pool_rules(pool) for pool in session.scalars(select(Pool))}
    statement = (
        select(Customer)
        .where(Customer.owner_id.is_not(None), Customer.archived_at.is_(None))
        .order_by(Customer.id)
    )
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
        pool_in_reach(session, r, pool_id)
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
