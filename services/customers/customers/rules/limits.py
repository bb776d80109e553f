"""Limits on how many customers a rep takes: owned, claimed per day, locked.

Plain Python, no I/O. (The previous owner's wait before reclaiming is an
ownership rule: :mod:`customers.rules.ownership`.)

Each check raises :class:`~crm_shared.errors.Conflict` (409) with a
``limit`` member naming the limit that was hit, its maximum and where the
caller stands, so a client can tell the rep exactly why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_shared.errors import Conflict


@dataclass(frozen=True)
class OwnershipLimit:
    """How many customers one rep may own; ``scope`` says where the limit was set."""

    max_owned: int
    include_won: bool
    scope: str  # "user", "team" (each member of the team) or "default"


def choose_limit(
    user: OwnershipLimit | None, team: OwnershipLimit | None, default: OwnershipLimit | None
) -> OwnershipLimit | None:
    """The most specific limit: the user's own, else their team's, else the default."""
    return user or team or default


def check_owned(limit: OwnershipLimit | None, owned: int) -> None:
    """Refuse one more customer when the caller already owns ``limit.max_owned``."""
    if limit is None or owned < limit.max_owned:
        return
    counted = "including" if limit.include_won else "not counting"
    raise Conflict(
        f"you already own {owned} customers ({counted} customers with a won deal); "
        f"the {limit.scope} limit is {limit.max_owned}",
        limit={
            "name": "max_owned",
            "scope": limit.scope,
            "max": limit.max_owned,
            "current": owned,
            "include_won": limit.include_won,
        },
    )


def check_daily_claims(max_per_day: int | None, claimed_today: int, pool_name: str) -> None:
    """Refuse a claim beyond the pool's claims per rep per day."""
    if max_per_day is None or claimed_today < max_per_day:
        return
    raise Conflict(
        f"you have claimed {claimed_today} customers from the pool {pool_name!r} today; "
        f"the daily limit is {max_per_day}",
        limit={
            "name": "daily_claim_limit",
            "scope": "pool",
            "max": max_per_day,
            "current": claimed_today,
        },
    )


def check_lock_cap(cap: int, locked: int) -> None:
    """Refuse locking one more customer than the pool's cap allows an owner."""
    if locked < cap:
        return
    raise Conflict(
        f"you already have {locked} customers locked against recycling; the cap is {cap}",
        limit={"name": "lock_cap", "scope": "pool", "max": cap, "current": locked},
    )


def claims_day_start(now: datetime) -> datetime:
    """Where the day of ``now`` begins for counting daily claims (midnight, in ``now``'s zone)."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
