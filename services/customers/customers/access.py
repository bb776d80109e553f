"""Data scope: which customers a caller may see, work and manage.

- an admin reaches everything; a service agent reads every customer (to
  open tickets) but changes none;
- a rep sees the customers they own, those they collaborate on, and the
  unowned customers of the pools they belong to;
- a manager sees, besides, every customer owned within their team.

Anything outside the caller's scope is answered 404, never 403, so its
existence is not revealed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session

from crm_shared.auth import ADMIN, MANAGER, REP, SERVICE_AGENT, Principal, Scope
from crm_shared.errors import Conflict, Forbidden, NotFound

from .models import Collaborator, Customer, Pool, PoolMember


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


def reach(session: Session, principal: Principal) -> Reach:
    """The pools the caller belongs to or administers."""
    if principal.has_role(ADMIN):
        ids = frozenset(session.scalars(select(Pool.id)))
        return Reach(principal, ids, ids)
    if not principal.has_role(REP, MANAGER):
        return Reach(principal)
    mine = [and_(PoolMember.kind == "user", PoolMember.member_id == principal.id)]
    if principal.team_id is not None:
        mine.append(and_(PoolMember.kind == "team", PoolMember.member_id == principal.team_id))
    rows = session.execute(
        select(Pool.id, Pool.open_to_all, PoolMember.role)
        .outerjoin(PoolMember, and_(PoolMember.pool_id == Pool.id, or_(*mine)))
        .where(or_(Pool.open_to_all.is_(True), PoolMember.pool_id.is_not(None)))
    ).all()
    members = frozenset(row.id for row in rows)
    admins = frozenset(row.id for row in rows if row.role == "admin")
    return Reach(principal, members, admins)


def visible_clause(r: Reach) -> Any:
    """SQL condition: the customers the caller may see."""
    principal = r.principal
    if r.sees_all:
        return true()
    clauses: list[Any] = [
        Customer.owner_id == principal.id,
        Customer.id.in_(
            select(Collaborator.customer_id).where(Collaborator.user_id == principal.id)
        ),
    ]
    if principal.scope is Scope.TEAM:
        clauses.append(and_(Customer.owner_id.is_not(None), Customer.team_id == principal.team_id))
    if r.pool_ids:
        clauses.append(and_(Customer.owner_id.is_(None), Customer.pool_id.in_(r.pool_ids)))
    return or_(*clauses) if clauses else false()


def is_collaborator(session: Session, customer_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether ``user_id`` works this customer alongside its owner."""
    return session.get(Collaborator, {"customer_id": customer_id, "user_id": user_id}) is not None


def manages(r: Reach, customer: Customer) -> bool:
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


def may_view(session: Session, r: Reach, customer: Customer) -> bool:
    """Whether the caller may see ``customer``."""
    if r.sees_all or manages(r, customer):
        return True
    if customer.owner_id is None:
        return customer.pool_id in r.pool_ids
    return is_collaborator(session, customer.id, r.principal.id)


def may_work(session: Session, r: Reach, customer: Customer) -> bool:
    """Whether the caller may log follow-ups, visits and contacts on an owned customer."""
    if customer.owner_id is None:
        return False
    if manages(r, customer):
        return True
    return is_collaborator(session, customer.id, r.principal.id)


def load(session: Session, principal: Principal, customer_id: uuid.UUID) -> tuple[Customer, Reach]:
    """A customer the caller may see, with the caller's reach; 404 otherwise."""
    r = reach(session, principal)
    customer = session.get(Customer, customer_id)
    if customer is None or not may_view(session, r, customer):
        raise NotFound("no such customer")
    return customer, r


def load_for_work(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> tuple[Customer, Reach]:
    """A customer the caller may work; 404 when unseen, 403/409 when seen but not theirs."""
    customer, r = load(session, principal, customer_id)
    if not may_work(session, r, customer):
        if customer.owner_id is None:
            raise Conflict("the customer is in the public pool: claim it first")
        raise Forbidden("only the owner, collaborators, their manager or an admin may do this")
    return customer, r


def load_for_management(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> tuple[Customer, Reach]:
    """A customer the caller may manage; 404 when unseen, 403 when seen but not theirs."""
    customer, r = load(session, principal, customer_id)
    if not manages(r, customer):
        raise Forbidden("only the owner, their manager or an admin may do this")
    return customer, r
