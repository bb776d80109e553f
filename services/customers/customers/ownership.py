"""Who may see, claim and release a customer. Plain Python, no I/O."""

from __future__ import annotations

import uuid

from crm_shared.auth import ADMIN, MANAGER, REP, SERVICE_AGENT, Principal, Scope, can_see
from crm_shared.errors import Conflict, Forbidden


def may_view(principal: Principal, owner_id: uuid.UUID | None, team_id: uuid.UUID | None) -> bool:
    """Pool customers are visible to every seller; service agents read all customers."""
    if principal.has_role(SERVICE_AGENT) or principal.scope is Scope.ALL:
        return True
    if owner_id is None:
        return principal.has_role(REP, MANAGER)
    return can_see(principal, owner_id, team_id)


def check_claim(principal: Principal, owner_id: uuid.UUID | None) -> None:
    """Raise unless the caller may claim a customer currently owned by ``owner_id``."""
    if not principal.has_role(REP, MANAGER, ADMIN):
        raise Forbidden("only sellers may claim customers")
    if owner_id == principal.id:
        raise Conflict("you already own this customer")
    if owner_id is not None:
        raise Conflict("customer is owned by someone else; it is not in the pool")


def check_release(
    principal: Principal, owner_id: uuid.UUID | None, team_id: uuid.UUID | None
) -> None:
    """Raise unless the caller may return this customer to the pool."""
    if owner_id is None:
        raise Conflict("customer is already in the pool")
    if owner_id == principal.id:
        return
    if principal.scope is Scope.ALL:
        return
    if principal.scope is Scope.TEAM and team_id == principal.team_id:
        return
    raise Forbidden("only the owner, their manager or an admin may release a customer")
