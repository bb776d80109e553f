"""The ownership history of a customer: every move of its owner (and its locks), kept and read."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal

from . import access
from .models import (
    Customer,
    OwnershipChange,
)


def record(
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
    rule: str | None = None,
) -> None:
    """Keep one ownership change (created, claimed, released, moved, locked, ...)."""
    session.add(
        OwnershipChange(
            customer_id=customer.id,
            action=action,
            from_owner_id=from_owner,
            to_owner_id=to_owner,
            actor_id=actor,
            reason=reason,
            pool_id=pool_id or customer.pool_id,
            rule=rule,
            at=at,
        )
    )


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
