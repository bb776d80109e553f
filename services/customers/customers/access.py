"""Data scope over the database: the caller's pools, the SQL of what they see, loading.

The rules themselves (who sees, works and manages a customer) are in
:mod:`customers.rules.access`; this module applies them to rows:

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
from typing import Any

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session

from crm_shared.auth import ADMIN, MANAGER, REP, Principal, Scope
from crm_shared.errors import Conflict, Forbidden, NotFound

from .models import Collaborator, Customer, Pool, PoolMember
from .rules import access as rules
from .rules.access import Reach


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
    """Owner, a manager of the owner's team, or an admin (see :mod:`customers.rules.access`)."""
    return rules.manages(r, customer)


def may_view(session: Session, r: Reach, customer: Customer) -> bool:
    """Whether the caller may see ``customer``."""
    return rules.may_view(
        r, customer, lambda: is_collaborator(session, customer.id, r.principal.id)
    )


def may_work(session: Session, r: Reach, customer: Customer) -> bool:
    """Whether the caller may log follow-ups, visits and contacts on an owned customer."""
    return rules.may_work(
        r, customer, lambda: is_collaborator(session, customer.id, r.principal.id)
    )


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
