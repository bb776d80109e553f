"""Statements per rep and month, and payouts approved by the manager then finance."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, Scope
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound
from crm_shared.schemas import format_amount

from . import ledger
from .models import LedgerLine, Payout, PerformanceFact, Period

PAYOUT_REQUESTERS = ("admin", "finance", "manager")


def _team_of(session: Session, owner: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(LedgerLine.team_id)
        .where(LedgerLine.owner_id == owner, LedgerLine.team_id.is_not(None))
        .order_by(LedgerLine.created_at.desc())
        .limit(1)
    ) or session.scalar(
        select(PerformanceFact.team_id)
        .where(PerformanceFact.owner_id == owner)
        .order_by(PerformanceFact.occurred_at.desc())
        .limit(1)
    )


def check_owner(session: Session, principal: Principal, owner: uuid.UUID) -> None:
    """A rep sees their own statement, a manager their team's, finance and admins all; else 404."""
    if principal.scope is Scope.ALL or principal.has_role("finance") or owner == principal.id:
        return
    if (
        principal.scope is Scope.TEAM
        and principal.team_id is not None
        and _team_of(session, owner) == principal.team_id
    ):
        return
    raise NotFound("no statement visible for that person")


def statement(
    session: Session, principal: Principal, owner_id: uuid.UUID | None, period: str
) -> dict[str, Any]:
    """The lines of a rep's month, their totals per currency, what is paid and what is pending."""
    owner = owner_id or principal.id
    check_owner(session, principal, owner)
    lines = session.scalars(
        select(LedgerLine)
        .where(LedgerLine.owner_id == owner, LedgerLine.period == period)
        .order_by(LedgerLine.created_at, LedgerLine.id)
    ).all()
    payouts = session.scalars(
        select(Payout).where(Payout.owner_id == owner, Payout.period == period)
    ).all()
    paid_ids = {p.id for p in payouts if p.status == "approved"}
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        t = totals[line.currency]
        t[line.kind] += line.amount
        t["base"] += line.base_amount
        t["net"] += line.amount
        if line.payout_id in paid_ids:
            t["paid"] += line.amount
    carried = session.execute(
        select(LedgerLine.currency, func.sum(LedgerLine.amount))
        .where(
            LedgerLine.owner_id == owner,
            LedgerLine.period < period,
            LedgerLine.payout_id.is_(None),
        )
        .group_by(LedgerLine.currency)
    ).all()
    carried_in = {currency: Decimal(amount or 0) for currency, amount in carried}
    state = session.get(Period, period)
    return {
        "owner_id": owner,
        "period": period,
        "period_status": state.status if state else "open",
        "lines": [ledger.line_fields(line) for line in lines],
        "totals": [
            {
                "currency": code,
                "base": format_amount(t["base"], code),
                "accrued": format_amount(t["accrual"], code),
                "clawed_back": format_amount(t["clawback"], code),
                "true_up": format_amount(t["true_up"], code),
                "net": format_amount(t["net"], code),
                "paid": format_amount(t["paid"], code),
                "pending": format_amount(t["net"] - t["paid"], code),
                "unpaid_from_earlier": format_amount(carried_in.get(code, Decimal(0)), code),
            }
            for code, t in sorted(totals.items())
        ],
        "payouts": [payout_fields(p) for p in payouts],
    }


def payout_fields(payout: Payout) -> dict[str, Any]:
    """A payout as the API shows it."""
    return {
        "id": payout.id,
        "owner_id": payout.owner_id,
        "period": payout.period,
        "currency": payout.currency,
        "amount": payout.amount,
        "status": payout.status,
        "approval_id": payout.approval_id,
        "requested_by": payout.requested_by,
        "created_at": payout.created_at,
        "decided_at": payout.decided_at,
    }


def request_payout(
    session: Session, principal: Principal, owner_id: uuid.UUID, period: str, currency: str
) -> Payout:
    """Gather a closed month's unpaid lines (earlier clawbacks netted in) into one payout.

    The lines are reserved for it at once, so no second payout counts them;
    a rejected payout releases them.
    """
    if not principal.has_role(*PAYOUT_REQUESTERS):
        raise Forbidden("managers, finance and admins request payouts")
    check_owner(session, principal, owner_id)
    state = session.get(Period, period)
    if state is None or state.status != "closed":
        raise Conflict(f"period {period} is not closed yet: close it before paying it")
    if session.scalar(
        select(Payout.id).where(
            Payout.owner_id == owner_id,
            Payout.period == period,
            Payout.currency == currency,
            Payout.status.in_(("pending_approval", "approved")),
        )
    ):
        raise Conflict("a payout for this rep, period and currency already exists")
    unpaid = (
        LedgerLine.owner_id == owner_id,
        LedgerLine.currency == currency,
        LedgerLine.period <= period,
        LedgerLine.payout_id.is_(None),
    )
    amount = Decimal(
        session.scalar(select(func.coalesce(func.sum(LedgerLine.amount), 0)).where(*unpaid)) or 0
    )
    if amount <= 0:
        raise Conflict(
            f"nothing to pay: the unpaid balance is {format_amount(amount, currency)} {currency}, "
            "carried forward to later payouts"
        )
    payout = Payout(
        owner_id=owner_id,
        team_id=_team_of(session, owner_id),
        period=period,
        currency=currency,
        amount=amount,
        status="pending_approval",
        requested_by=principal.id,
    )
    session.add(payout)
    session.flush()
    session.execute(update(LedgerLine).where(*unpaid).values(payout_id=payout.id))
    return payout


def approved(session: Session, payout: Payout) -> None:
    """The payout passed every step: it is paid, its lines are locked, and everyone hears."""
    payout.status = "approved"
    payout.decided_at = utcnow()
    outbox.publish(
        session,
        "payout.approved",
        {
            "payout_id": str(payout.id),
            "owner_id": str(payout.owner_id),
            "team_id": str(payout.team_id) if payout.team_id else None,
            "period": payout.period,
            "amount": format_amount(payout.amount, payout.currency),
            "currency": payout.currency,
            "approved_at": payout.decided_at.isoformat(),
        },
        subject=str(payout.id),
    )


def released(session: Session, payout: Payout, status: str) -> None:
    """A rejected or withdrawn payout gives its lines back for a later one."""
    payout.status = status
    payout.decided_at = utcnow()
    session.execute(
        update(LedgerLine).where(LedgerLine.payout_id == payout.id).values(payout_id=None)
    )


def get_payout(session: Session, principal: Principal, payout_id: uuid.UUID) -> Payout:
    """One payout in scope, or 404."""
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise NotFound("no such payout")
    check_owner(session, principal, payout.owner_id)
    return payout
