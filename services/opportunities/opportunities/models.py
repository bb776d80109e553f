"""Tables of the opportunities service (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import Money, UTCDateTime, new_id, new_metadata, utcnow

NO_CLOSE_DATE = "9999-12-31"


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class Pipeline(Base):
    """An ordered list of stages a deal moves through (per product line or team)."""

    __tablename__ = "pipelines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Teams that may use the pipeline; empty means every team.
    team_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Stage(Base):
    """One step of a pipeline, with its default win probability and forecast category."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipelines.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="open")  # open | won | lost
    probability: Mapped[int] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(String(20))
    stale_after_days: Mapped[int | None] = mapped_column(Integer)
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)


class LostReason(Base):
    """A reason a deal may be lost for, kept by admins."""

    __tablename__ = "lost_reasons"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Opportunity(Base):
    """A deal a rep is working on with a customer."""

    __tablename__ = "opportunities"
    __table_args__ = (
        Index("ix_opportunities_pipeline_created", "pipeline_id", "created_at"),
        Index("ix_opportunities_status_close", "status", "expected_close_date"),
        Index("ix_opportunities_closed", "status", "closed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | won | lost
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    # The first close date the rep gave: how far deals slip is measured from it.
    first_close_date: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(String(500))
    probability_override: Mapped[int | None] = mapped_column(Integer)
    # The effective probability (the override, else the stage's), kept for sorting.
    probability: Mapped[int] = mapped_column(Integer, default=0)
    forecast_category_override: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    competitor: Mapped[str | None] = mapped_column(String(200))
    # Risk facts kept on the row so the manager's list filters in SQL.
    close_date_pushes: Mapped[int] = mapped_column(Integer, default=0)
    # When the quote last applied was accepted: an older one arriving late is ignored.
    quote_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    peak_amount: Mapped[Decimal] = mapped_column(Money)
    risk_level: Mapped[str] = mapped_column(String(10), default="low", index=True)
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def close_sort(self) -> str:
        """The close date as an ISO string, deals without one last (a sort key)."""
        day = self.expected_close_date
        return day.isoformat() if day else NO_CLOSE_DATE


class OpportunityContact(Base):
    """A customer's contact on a deal, with a role (a copy of the name)."""

    __tablename__ = "opportunity_contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"), index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # decision_maker | influencer | user


class OpportunityLine(Base):
    """A line item of a deal (a copy; the catalog lives in orders)."""

    __tablename__ = "opportunity_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opportunities.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sku: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal(0))
    tax_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    amount: Mapped[Decimal] = mapped_column(Money)


class StageHistory(Base):
    """A deal's stay in one stage: entered, left (null while it is there), who moved it."""

    __tablename__ = "stage_history"
    __table_args__ = (Index("ix_stage_history_stage_entered", "to_stage_id", "entered_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_stage_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_stage_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(500))


class FunnelReached(Base):
    """Rollup: of the deals created on one day in a pipeline, how many reached a stage.

    Two grains: ``all`` rows (team_id null) count every deal of the day,
    ``team`` rows the deals of one team (team_id null: deals of no team), so
    the company's funnel reads days x stages rows and a team's the same.
    """

    __tablename__ = "funnel_reached"
    __table_args__ = (Index("ix_funnel_reached_pipeline_grain_day", "pipeline_id", "grain", "day"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    grain: Mapped[str] = mapped_column(String(4))  # all | team
    day: Mapped[date] = mapped_column(Date)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    deals: Mapped[int] = mapped_column(Integer)


class FunnelStay(Base):
    """Rollup: finished stays in a stage of those deals, counted by whole days they lasted."""

    __tablename__ = "funnel_stays"
    __table_args__ = (Index("ix_funnel_stays_pipeline_grain_day", "pipeline_id", "grain", "day"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    grain: Mapped[str] = mapped_column(String(4))  # all | team
    day: Mapped[date] = mapped_column(Date)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    days: Mapped[int] = mapped_column(Integer)
    stays: Mapped[int] = mapped_column(Integer)


class FieldHistory(Base):
    """A change of a deal's amount or expected close date: from, to, who, when."""

    __tablename__ = "field_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    field: Mapped[str] = mapped_column(String(30))  # amount | currency | expected_close_date
    from_value: Mapped[str | None] = mapped_column(String(100))
    to_value: Mapped[str | None] = mapped_column(String(100))
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RepStageRate(Base):
    """Calibration: of a rep's closed deals that entered a stage, how many were won."""

    __tablename__ = "rep_stage_rates"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    entered: Mapped[int] = mapped_column(Integer)
    won: Mapped[int] = mapped_column(Integer)


class RepSlip(Base):
    """Calibration: how often and how far a rep's won deals closed after the date they gave."""

    __tablename__ = "rep_slips"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    closed: Mapped[int] = mapped_column(Integer)
    slipped: Mapped[int] = mapped_column(Integer)
    slip_days: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ForecastAdjustment(Base):
    """A manager's adjustment of a rep's forecast, kept beside the computed figures."""

    __tablename__ = "forecast_adjustments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    period: Mapped[str] = mapped_column(String(7), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text)
    adjusted_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForecastSnapshot(Base):
    """One open deal as the weekly forecast snapshot saw it."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (Index("ix_forecast_snapshots_taken", "taken_at", "opportunity_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opportunity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    forecast_category: Mapped[str] = mapped_column(String(20))


class CustomerState(Base):
    """What customers' events tell us about a customer: name, owner, last activity."""

    __tablename__ = "customer_states"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Lower-cased, to match an imported row's account name.
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    owner_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # customers' computed tier (high_value, potential, at_risk, churned): a deal risk reason.
    tier: Mapped[str | None] = mapped_column(String(20))
    tier_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by customer.erased: a late customer.created must not bring the name back.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
