"""Data scope: which customers a caller may see, work and manage. Plain Python, no I/O.

- an admin reaches everything; a service agent reads every customer (to
  open tickets) but changes none;
- a rep sees the customers they own, those they collaborate on, and the
  unowned customers of the pools they belong to;
- a manager sees, besides, every customer owned within their team.

Anything outside the caller's scope is answered 404, never 403, so its
existence is not revealed. The same rules as SQL conditions, and the loading
of a customer under them, are in :mod:`customers.access`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from crm_shared.auth import ADMIN, SERVICE_AGENT, Principal, Scope


class Held(Protocol):
    """What the scope rules read of a customer: who holds it, and where."""

    @property
    def owner_id(self) -> uuid.UUID | None: ...

    @property
    def team_id(self) -> uuid.UUID | None: ...

    @property
    def pool_id(self) -> uuid.UUID: ...


@dataclass(frozen=True)
class Reach:
    """What one caller may reach: their pools (as member and as admin)."""

    principal: Principal
    pool_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    admin_pool_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        """Admins (everything) and service agents (read-only) see every customer."""
        return self.principal.scope is Scope.ALL or self.principal.has_role(SERVICE_AGENT)

    @property
    def is_admin(self) -> bool:
        """An admin of the whole system."""
        return self.principal.has_role(ADMIN)

    def administers(self, pool_id: uuid.UUID | None) -> bool:
        """Whether the caller runs this pool (system admins run every pool)."""
        return self.is_admin or (pool_id is not None and pool_id in self.admin_pool_ids)


def manages(r: Reach, customer: Held) -> bool:
    """Owner, a manager of the owner's team, or an admin: may release, assign, lock, edit."""
    principal = r.principal
    if r.is_admin:
        return True
    if customer.owner_id is None:
        return r.administers(customer.pool_id)
    if customer.owner_id == principal.id:
        return True
    return (
        principal.scope is Scope.TEAM
        and customer.team_id is not None
        and customer.team_id == principal.team_id
    )


def may_view(r: Reach, customer: Held, collaborates: Callable[[], bool]) -> bool:
    """Whether the caller may see ``customer``; ``collaborates`` is asked only when it matters."""
    if r.sees_all or manages(r, customer):
        return True
    if customer.owner_id is None:
        return customer.pool_id in r.pool_ids
    return collaborates()


def may_work(r: Reach, customer: Held, collaborates: Callable[[], bool]) -> bool:
    """Whether the caller may log follow-ups, visits and contacts on an owned customer."""
    if customer.owner_id is None:
        return False
    return manages(r, customer) or collaborates()


def hidden_fields(r: Reach, customer: Held, pool_hides: list[str] | tuple[str, ...]) -> set[str]:
    """The fields masked for this caller: a pool's hidden fields until someone claims it."""
    if customer.owner_id is not None or r.administers(customer.pool_id):
        return set()
    return set(pool_hides)
