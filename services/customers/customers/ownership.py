"""Who may claim and assign customers. Plain Python, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from crm_shared.auth import ADMIN, MANAGER, REP, Principal, Scope
from crm_shared.errors import Conflict, Forbidden, ValidationFailed

SELLER_ROLES = (REP, MANAGER, ADMIN)


def check_claim(principal: Principal, owner_id: uuid.UUID | None) -> None:
    """Raise unless the caller may claim a customer currently owned by ``owner_id``."""
    if not principal.has_role(*SELLER_ROLES):
        raise Forbidden("only sellers may claim customers")
    if owner_id == principal.id:
        raise Conflict("you already own this customer")
    if owner_id is not None:
        raise Conflict("customer is owned by someone else; it is not in the pool")


def check_assignee(
    principal: Principal,
    target_id: uuid.UUID,
    target_roles: Iterable[str] | None,
    target_team: uuid.UUID | None,
    target_active: bool,
) -> None:
    """Raise unless the caller may hand a customer to the user ``target_id``.

    ``target_roles`` is None when the user is unknown here (no ``user.created``
    seen). Managers hand customers only to people of their own team.
    """
    if not principal.has_role(MANAGER, ADMIN):
        raise Forbidden("only managers and admins assign customers")
    if target_roles is None or not target_active:
        raise ValidationFailed.field("owner_id", "is not a known active user")
    if not set(target_roles) & {REP, MANAGER, ADMIN}:
        raise ValidationFailed.field("owner_id", "is not a seller (rep, manager or admin)")
    if principal.scope is not Scope.ALL and (
        target_team is None or target_team != principal.team_id
    ):
        raise ValidationFailed.field("owner_id", "is not in your team")
