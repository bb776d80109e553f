"""Who may own a customer: claiming, reclaiming, assigning, and what a new owner starts with.

Plain Python, no I/O; time is an argument.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

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


# A previous owner's wait: a rep who lost a customer (released or recycled)
# may not take it straight back from the pool; the pool sets the days.


def reclaim_allowed_at(
    previous_owner_id: uuid.UUID | None,
    left_pool_owner_at: datetime | None,
    caller_id: uuid.UUID,
    block_days: int,
) -> datetime | None:
    """When the caller may reclaim a customer they lost, or None when nothing blocks them."""
    if previous_owner_id != caller_id or left_pool_owner_at is None or block_days <= 0:
        return None
    return left_pool_owner_at + timedelta(days=block_days)


def check_reclaim(
    previous_owner_id: uuid.UUID | None,
    released_at: datetime | None,
    caller_id: uuid.UUID,
    block_days: int,
    now: datetime,
) -> None:
    """Refuse a previous owner reclaiming within ``block_days`` of losing the customer."""
    allowed = reclaim_allowed_at(previous_owner_id, released_at, caller_id, block_days)
    if allowed is None or now >= allowed:
        return
    raise Conflict(
        f"you owned this customer until recently; you may claim it again from "
        f"{allowed.isoformat()}",
        limit={
            "name": "reclaim_block_days",
            "scope": "pool",
            "max": block_days,
            "allowed_from": allowed.isoformat(),
        },
    )


def fresh_start(now: datetime) -> dict[str, Any]:
    """The recycling state every ownership move resets: unlocked, no deadline, no warning.

    Whoever holds the customer next (a new owner or the pool) starts its
    recycling clocks afresh, so no lock, due date or warning carries over.
    """
    return {
        "updated_at": now,
        "locked": False,
        "locked_at": None,
        "recycle_due_at": None,
        "recycle_rule": None,
        "recycle_warned_for": None,
    }


def new_owner(owner_id: uuid.UUID, team_id: uuid.UUID | None, now: datetime) -> dict[str, Any]:
    """A customer's columns when ``owner_id`` (of ``team_id``) takes it at ``now``.

    Claim, assignment and transfer all apply these: the owner and their team,
    the claim time, and a :func:`fresh_start` of recycling.
    """
    return {"owner_id": owner_id, "team_id": team_id, "claimed_at": now, **fresh_start(now)}


def back_to_pool(
    previous_owner_id: uuid.UUID | None, pool_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    """A customer's columns when it returns to ``pool_id``, remembering who lost it.

    ``previous_owner_id`` and ``released_at`` are what :func:`check_reclaim`
    later judges the previous owner's wait by.
    """
    return {
        "owner_id": None,
        "team_id": None,
        "pool_id": pool_id,
        "previous_owner_id": previous_owner_id,
        "released_at": now,
        **fresh_start(now),
    }
