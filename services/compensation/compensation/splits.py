"""Credit splits: a won deal's credit shared between reps by percent."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.auth import Principal, Scope, can_see
from crm_shared.errors import Forbidden, NotFound, ValidationFailed

from .models import Deal
from .rules.commission import split_errors


def get(session: Session, principal: Principal, opportunity_id: uuid.UUID) -> Deal:
    """A won deal in scope (its owner's), or 404."""
    deal = session.get(Deal, opportunity_id)
    if deal is None or not can_see(principal, deal.owner_id, deal.team_id):
        raise NotFound("no such won deal")
    return deal


def set_splits(
    session: Session, principal: Principal, opportunity_id: uuid.UUID, shares: list[dict[str, Any]]
) -> Deal:
    """Managers and admins set how credit is shared; receipts booked afterwards follow it."""
    deal = get(session, principal, opportunity_id)
    if principal.scope is Scope.OWN:
        raise Forbidden("managers and admins set credit splits")
    pairs = [(s["owner_id"], Decimal(s["percent"])) for s in shares]
    errors = [{"field": f, "message": m} for f, m in split_errors(pairs)]
    if errors:
        raise ValidationFailed("the splits are not valid", errors=errors)
    deal.splits = [{"owner_id": str(o), "percent": str(p)} for o, p in pairs]
    return deal
