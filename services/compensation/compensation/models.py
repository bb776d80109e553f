"""Tables of the compensation service (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import JSONType, Money, UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class PerformanceFact(Base):
    """One thing a rep achieved: a deal won, cash collected or refunded, a lead, a rating.

    ``(kind, ref_id)`` is unique, so the same deal, payment or ticket never
    counts twice, whatever the bus delivers. ``period`` is the month it counts
    in: its own month while that is open, else the month it arrived in
    (``event_period`` keeps its own, ``adjustment`` says it moved).
    """

    __tablename__ = "performance_facts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    event_period: Mapped[str | None] = mapped_column(String(7))
    adjustment: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_performance_facts_kind_ref"),
        Index("ix_performance_facts_owner_period", "owner_id", "period"),
        Index("ix_performance_facts_team_period", "team_id", "period"),
    )


class Period(Base):
    """A month's state: open until finance closes it; closed months take no new facts."""

    __tablename__ = "periods"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Target(Base):
    """A target for a period, metric and subject (company, team or user), with its levels.

    ``source`` is ``allocation`` (top-down, by a manager) or ``declaration``
    (申报, by the rep); ``status`` ``allocated``, ``declared``, ``approved``,
    ``rejected`` or ``superseded``. An approved target is locked: a change is
    a new version, approved again.
    """

    __tablename__ = "targets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    period: Mapped[str] = mapped_column(String(7))
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    metric: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str | None] = mapped_column(String(3))
    target: Mapped[Decimal] = mapped_column(Money)
    stretch: Mapped[Decimal | None] = mapped_column(Money)
    challenge: Mapped[Decimal | None] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(15))
    status: Mapped[str] = mapped_column(String(15))
    version: Mapped[int] = mapped_column(Integer, default=1)
    comment: Mapped[str | None] = mapped_column(Text)
    declared: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    adjustment_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_targets_subject", "subject_kind", "subject_id", "period", "metric"),
        Index("ix_targets_team_period", "team_id", "period"),
    )


class CommissionPlan(Base):
    """A commission plan as data: base, marginal tiers, cap, product rates, scorecard."""

    __tablename__ = "commission_plans"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    base: Mapped[str] = mapped_column(String(10))
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    cap: Mapped[Decimal | None] = mapped_column(Money)
    product_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    clawback_window_days: Mapped[int] = mapped_column(Integer, default=180)
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Deal(Base):
    """What compensation keeps of a won deal: who sold it, its mix of products, its splits."""

    __tablename__ = "deals"

    opportunity_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    splits: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    won_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerLine(Base):
    """One line of the commission ledger; never updated but to link it to its payout.

    ``kind``: ``accrual`` (a receipt or a won deal), ``clawback`` (a refund),
    ``true_up`` (at period close, so the month pays exactly what the plan
    says of its whole base), ``waived`` (a refund past the clawback window).
    """

    __tablename__ = "ledger_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    base_amount: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source_type: Mapped[str] = mapped_column(String(40))
    source_event_id: Mapped[str | None] = mapped_column(String(64))
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(Text)
    payout_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "ref_id", "owner_id", name="uq_ledger_lines_kind_ref_owner"),
        Index("ix_ledger_lines_owner_period", "owner_id", "period"),
        Index("ix_ledger_lines_period", "period"),
    )


class Payout(Base):
    """A payment of commission for an owner and month, approved by the manager then finance."""

    __tablename__ = "payouts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20), default="pending_approval")
    approval_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_payouts_owner_period", "owner_id", "period"),)
