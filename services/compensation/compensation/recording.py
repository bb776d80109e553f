"""Facts from events: what each rep achieved, counted once, in the right month."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.db import utcnow

from .models import PerformanceFact, Period
from .rules.periods import landing_month, month_of


def closed_months(session: Session) -> frozenset[str]:
    """Months finance has closed."""
    return frozenset(session.scalars(select(Period.month).where(Period.status == "closed")))


def landing(session: Session, occurred: datetime) -> tuple[str, str]:
    """(month the fact counts in, its own month): a closed month sends it to the current one."""
    own = month_of(occurred)
    return landing_month(own, closed_months(session), month_of(utcnow())), own


def uid(value: str | uuid.UUID | None) -> uuid.UUID | None:
    """A UUID from an event field (None stays None)."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def find(session: Session, kind: str, ref_id: uuid.UUID) -> PerformanceFact | None:
    """The fact already recorded for this deal, payment, refund, lead, customer or ticket."""
    return session.scalar(
        select(PerformanceFact).where(
            PerformanceFact.kind == kind, PerformanceFact.ref_id == ref_id
        )
    )


def record(
    session: Session,
    *,
    kind: str,
    ref_id: uuid.UUID,
    owner_id: uuid.UUID,
    team_id: uuid.UUID | None,
    occurred: datetime,
    amount: Decimal | None = None,
    currency: str | None = None,
    satisfaction: int | None = None,
    opportunity_id: uuid.UUID | None = None,
    counts_at: datetime | None = None,
) -> PerformanceFact | None:
    """Record a fact unless this deal, payment or ticket already counted; the new fact or None.

    The team is the one named by the event: the team the rep was in when it
    happened, so a later move does not carry old results along.
    """
    if find(session, kind, ref_id) is not None:
        return None
    period, own = landing(session, counts_at or occurred)
    fact = PerformanceFact(
        kind=kind,
        ref_id=ref_id,
        owner_id=owner_id,
        team_id=team_id,
        period=period,
        event_period=own,
        adjustment=period != own,
        amount=amount,
        currency=currency,
        satisfaction=satisfaction,
        opportunity_id=opportunity_id,
        occurred_at=occurred,
    )
    session.add(fact)
    session.flush()
    return fact


def record_rating(
    session: Session,
    *,
    ticket_id: uuid.UUID,
    owner_id: uuid.UUID,
    team_id: uuid.UUID | None,
    rated_at: datetime,
    rating: int,
    closed_at: datetime | None,
) -> None:
    """A ticket's satisfaction for its customer's owner: the newest rating wins, once per ticket.

    ``ticket.closed`` and a later ``ticket.rated`` may arrive in either order;
    the rating given last (by its time) is the one that counts.
    """
    from .rules.performance import SATISFACTION

    existing = find(session, SATISFACTION, ticket_id)
    if existing is None:
        record(
            session,
            kind=SATISFACTION,
            ref_id=ticket_id,
            owner_id=owner_id,
            team_id=team_id,
            occurred=rated_at,
            satisfaction=rating,
            counts_at=closed_at or rated_at,
        )
        return
    if rated_at > existing.occurred_at:
        existing.satisfaction = rating
        existing.occurred_at = rated_at
