"""Tables of the compensation service (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import Money, UTCDateTime, new_id, new_metadata


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class PerformanceFact(Base):
    """One thing a rep achieved: a deal won, a payment collected, a ticket rated.

    ``(kind, ref_id)`` is unique, so the same deal, payment or ticket never
    counts twice, whatever the bus delivers.
    """

    __tablename__ = "performance_facts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_performance_facts_kind_ref"),
        Index("ix_performance_facts_owner_period", "owner_id", "period"),
    )
